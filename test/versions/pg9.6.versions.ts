import { describeUnsupportedServer } from './matrix.js';
import { PG9_6 } from './servers.js';

describeUnsupportedServer(PG9_6);
