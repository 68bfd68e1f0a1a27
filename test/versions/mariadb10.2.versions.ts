import { describeSupportedServer } from './matrix';
import { MARIADB_10_2 } from './servers';

describeSupportedServer(MARIADB_10_2);
