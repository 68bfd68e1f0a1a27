import { describeSupportedServer } from './matrix.js';
import { PG12 } from './servers.js';

describeSupportedServer(PG12);
