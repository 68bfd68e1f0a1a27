import { describeSupportedServer } from './matrix.js';
import { MARIADB_10_2 } from './servers.js';

describeSupportedServer(MARIADB_10_2);
