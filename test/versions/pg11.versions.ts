import { describeSupportedServer } from './matrix';
import { PG11 } from './servers';

describeSupportedServer(PG11);
