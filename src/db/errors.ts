import { DependencyUnavailableError, StartupError, TollgateError } from '../x/errors.js';

function hasSqlState(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** Postgres SQLSTATE 23505, from pg and PGlite alike. */
export function isUniqueViolation(error: unknown): boolean {
  return hasSqlState(error, '23505');
}

/**
 * A referenced row does not exist (SQLSTATE 23503), or is still referenced: 23503 too, except where the
 * reference says ON DELETE RESTRICT, which Postgres 17 (and so PGlite) reports as 23001.
 */
export function isForeignKeyViolation(error: unknown): boolean {
  return hasSqlState(error, '23503') || hasSqlState(error, '23001');
}

/** Network-level failures reaching Postgres (node and pg report them with these codes). */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * Whether an error means "the database did not answer, or will not serve us" rather than "the query was
 * wrong". SQLSTATE class 08 is a connection exception; 57P01-57P03 a server shutting down or starting;
 * 53300 too many connections; 3D000 a database that does not exist; 28000/28P01 a role or password it
 * refuses. knex's pool reports an exhausted acquire timeout as a KnexTimeoutError, and pg a dropped
 * connection only by its message.
 */
function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (
    typeof code === 'string' &&
    (CONNECTION_ERROR_CODES.has(code) || /^08|^57P0[123]$|^53300$|^3D000$|^28(000|P01)$/.test(code))
  )
    return true;
  if (name === 'KnexTimeoutError') return true;
  return typeof message === 'string' && /^Connection terminated/.test(message);
}

/** SQLSTATE 42P01: a table that does not exist, which for Tollgate's own tables means no migration ran. */
const UNDEFINED_TABLE = '42P01';

/**
 * What a driver error means to Tollgate, decided once, where queries run (drivers.ts): the database not
 * answering is a DependencyUnavailableError, a database without Tollgate's schema a StartupError; any
 * other error (a constraint, a bug) stays as the driver raised it, for the caller to recognise by
 * SQLSTATE (isUniqueViolation, isForeignKeyViolation) or to report.
 */
export function classifyDatabaseError(error: unknown): unknown {
  if (error instanceof TollgateError) return error;
  if (isDatabaseUnavailable(error)) {
    const reason = error instanceof Error ? error.message || error.name : String(error);
    return new DependencyUnavailableError('database', `the database is unavailable (${reason}); retry shortly`, {
      cause: error,
    });
  }
  if (hasSqlState(error, UNDEFINED_TABLE)) {
    return new StartupError(
      'database_schema_missing',
      'the database has no Tollgate schema yet: run the `migrate` command first (or start the server once)',
      { cause: error },
    );
  }
  return error;
}

/**
 * A driver answered in a shape src/db/drivers.ts does not know, such as a row count that is not a whole
 * number: a defect to report, never a value to compute with.
 */
export class DatabaseResultError extends StartupError {
  constructor(what: string) {
    super('database_result_invalid', `the database driver answered ${what}`);
  }
}
