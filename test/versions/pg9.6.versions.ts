import { describeUnsupportedServer } from './matrix';
import { PG9_6 } from './servers';

describeUnsupportedServer(PG9_6);
