import { describeSupportedServer } from './matrix.js';
import { PG11 } from './servers.js';

describeSupportedServer(PG11);
