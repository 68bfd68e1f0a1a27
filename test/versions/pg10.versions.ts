import { describeSupportedServer } from './matrix.js';
import { PG10 } from './servers.js';

describeSupportedServer(PG10);
