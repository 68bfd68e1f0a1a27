import { describeSupportedServer } from './matrix';
import { PG12 } from './servers';

describeSupportedServer(PG12);
