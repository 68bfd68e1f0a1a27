// knex ships no types for its dialect classes; cdc subclasses two of them (adapters/postgres/
// knex-client.ts, adapters/mysql/knex-client.ts) to run knex's queries on cdc's own connections.
// Only the members those subclasses touch are declared.

declare module 'knex/lib/dialects/postgres/index.js' {
  import { Knex } from 'knex';
  export default class ClientPG extends Knex.Client {
    _query(connection: any, obj: any): Promise<any>;
    processResponse(obj: any, runner: any): any;
  }
}

declare module 'knex/lib/dialects/mysql2/index.js' {
  import { Knex } from 'knex';
  export default class ClientMySQL2 extends Knex.Client {
    _query(connection: any, obj: any): Promise<any>;
    processResponse(obj: any, runner: any): any;
  }
}
