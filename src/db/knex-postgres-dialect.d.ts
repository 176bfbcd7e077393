/**
 * knex's Postgres dialect, which knex ships untyped. Both drivers' clients derive from it (knex-pglite's
 * too); `processResponse` is where knex turns a driver's answer into a query's result.
 */
declare module 'knex/lib/dialects/postgres/index.js' {
  import { Knex } from 'knex';

  namespace PostgresDialect {
    /** What knex hands `processResponse`: the compiled query, with the driver's answer in `response`. */
    interface CompiledQuery {
      /** The query builder's method: select, first, pluck, insert, update, del, raw, ... (none for schema statements). */
      readonly method?: string;
      readonly returning?: unknown;
      /** Set by schema inspection (hasTable, columnInfo), which reads the answer itself. */
      readonly output?: unknown;
      readonly response: unknown;
    }
  }

  class PostgresDialect extends Knex.Client {
    /** Loads the driver when the client is created. */
    _driver(): unknown;
    processResponse(query: PostgresDialect.CompiledQuery, runner: unknown): unknown;
    /** Runs one compiled query on a connection taken from the pool; every query and transaction goes through it. */
    query(connection: unknown, query: unknown): Promise<unknown>;
    /** Takes a connection from the pool (or fails after acquireConnectionTimeout). */
    acquireConnection(): Promise<unknown>;
  }

  export = PostgresDialect;
}
