import { finished } from 'node:stream/promises';
import { type PGlite, type Results, types } from '@electric-sql/pglite';
import PostgresDialect from 'knex/lib/dialects/postgres/index.js';
import PGliteDialect from 'knex-pglite';
import type pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { openPrivatePGlite } from './data-dir-permissions.js';
import { classifyDatabaseError, DatabaseResultError } from './errors.js';

type CompiledQuery = PostgresDialect.CompiledQuery;

/** The driver's answer in pg's shape, which knex's Postgres dialect reads. */
interface PgResponse {
  readonly command: string;
  readonly rows: Record<string, unknown>[];
  /** Rows returned, or changed by a write without RETURNING; pg says null for statements that have neither. */
  readonly rowCount: number | null | undefined;
}

/** Statements that change rows; without `returning` they answer how many they changed. */
const WRITES = new Set(['insert', 'update', 'del']);

/**
 * What every query answers, through either driver. knex leaves a few answers to the driver, and the two
 * differ there; these rules make them one:
 * - insert, update and delete without `returning`: the number of rows changed (pg answers an insert with
 *   its result object, and knex-pglite answered a delete with PGlite's);
 * - with `returning`: the rows, as knex does;
 * - `raw`: `{ rows, rowCount }`, where rowCount counts the rows returned or changed (0 when neither);
 * - selects: rows, as knex does.
 * A count that is not a whole number is a DatabaseResultError, so it can never become NaN in a caller's
 * arithmetic or loop condition.
 */
function uniformResult(query: CompiledQuery, response: PgResponse | PgResponse[], knexResult: unknown): unknown {
  if (query.output) return knexResult;
  if (Array.isArray(response))
    throw new DatabaseResultError(
      `${response.length} results to one ${query.method ?? 'schema'} query; send one statement per query`,
    );
  if (query.method === 'raw') return { rows: response.rows, rowCount: countOf(query, response.rowCount ?? 0) };
  if (WRITES.has(query.method ?? '') && !query.returning) return countOf(query, response.rowCount);
  return knexResult;
}

function countOf(query: CompiledQuery, count: unknown): number {
  if (typeof count === 'number' && Number.isSafeInteger(count) && count >= 0) return count;
  throw new DatabaseResultError(`${String(count)} as the row count of a query (knex method ${query.method})`);
}

/** Rejects with the classified error (see classifyDatabaseError): the one place driver errors are read. */
async function classifyingErrors<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw classifyDatabaseError(error);
  }
}

/** A knex Postgres client whose every query and connection attempt fails with classified errors. */
function classifyingErrorsOf(Dialect: typeof PostgresDialect): typeof PostgresDialect {
  return class extends Dialect {
    override query(connection: unknown, query: unknown): Promise<unknown> {
      return classifyingErrors(super.query(connection, query));
    }

    override acquireConnection(): Promise<unknown> {
      return classifyingErrors(super.acquireConnection());
    }
  };
}

/**
 * `COPY <target> FROM` with rows in COPY's text format, on a connection taken from the pool: what a
 * driver adds to knex so that bulk writes can use COPY, which Postgres stores several times cheaper per
 * row than INSERT (it inserts and indexes rows in batches). Answers the number of rows copied.
 */
export interface CopyingClient {
  copyFrom(connection: unknown, target: string, rows: string): Promise<number>;
}

const COPY_QUERY = { method: 'copy' } as CompiledQuery;

/** The rows go over the connection as COPY data (pg-copy-streams). */
async function copyOverPg(connection: pg.Client, target: string, rows: string): Promise<number> {
  const copy = connection.query(copyFromStdin(`copy ${target} from stdin`));
  copy.end(rows);
  await finished(copy);
  return countOf(COPY_QUERY, copy.rowCount);
}

/** PGlite reads COPY data from a blob it names `/dev/blob`. */
async function copyIntoPGlite(connection: PGlite, target: string, rows: string): Promise<number> {
  const results = await connection.query(`copy ${target} from '/dev/blob'`, [], { blob: new Blob([rows]) });
  return countOf(COPY_QUERY, results.affectedRows);
}

/** Postgres through pg (DATABASE_URL). */
export class PostgresClient extends classifyingErrorsOf(PostgresDialect) implements CopyingClient {
  override processResponse(query: CompiledQuery, runner: unknown): unknown {
    return uniformResult(query, query.response as PgResponse | PgResponse[], super.processResponse(query, runner));
  }

  copyFrom(connection: unknown, target: string, rows: string): Promise<number> {
    return classifyingErrors(copyOverPg(connection as pg.Client, target, rows));
  }
}

/** The command tag pg would report; PGlite reports none, and knex's Postgres dialect decides by it. */
const COMMANDS: Readonly<Record<string, string>> = {
  select: 'SELECT',
  first: 'SELECT',
  pluck: 'SELECT',
  insert: 'INSERT',
  update: 'UPDATE',
  del: 'DELETE',
};

/** PGlite's answer as pg gives it. pg counts the rows a statement returns when it returns any. */
function asPgResponse(query: CompiledQuery, results: Results): PgResponse {
  const rows = results.rows as Record<string, unknown>[];
  return {
    command: COMMANDS[query.method ?? ''] ?? '',
    rows,
    rowCount: results.fields.length > 0 ? rows.length : results.affectedRows,
  };
}

/** pg leaves bigint (int8) values as strings, since they may exceed 2^53; PGlite would make numbers of them. */
const PG_PARSERS = { [types.INT8]: (text: string) => text };

/**
 * Embedded Postgres (PGlite) through knex-pglite, which derives from knex's Postgres dialect: the
 * connection handling is knex-pglite's, the answers are pg's.
 */
export class EmbeddedPostgresClient
  extends classifyingErrorsOf(PGliteDialect as unknown as typeof PostgresDialect)
  implements CopyingClient
{
  declare pglite: PGlite;

  copyFrom(connection: unknown, target: string, rows: string): Promise<number> {
    return classifyingErrors(copyIntoPGlite(connection as PGlite, target, rows));
  }

  /** knex-pglite's, with pg's parsers. */
  override _driver(): void {
    const { filename } = this.config.connection as { filename: string };
    this.pglite = openPrivatePGlite(filename, { parsers: PG_PARSERS });
  }

  override processResponse(query: CompiledQuery, runner: unknown): unknown {
    const response = asPgResponse(query, query.response as Results);
    // knex's Postgres dialect itself, not knex-pglite's override of it: that one took the command from
    // knex's method name, and the dialect does not know the name "DEL", so a delete answered PGlite's
    // result object instead of its count.
    const knexResult = PostgresDialect.prototype.processResponse.call(this, { ...query, response }, runner);
    return uniformResult(query, response, knexResult);
  }
}
