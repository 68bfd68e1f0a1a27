import { describeSupportedServer } from './matrix';
import { PG10 } from './servers';

describeSupportedServer(PG10);
