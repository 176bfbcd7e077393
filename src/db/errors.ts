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
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);

/**
 * Whether an error means "the database did not answer" rather than "the query was wrong": callers then
 * answer 503 and retry, instead of a 500. SQLSTATE class 08 is a connection exception; 57P01-57P03 a
 * server shutting down or starting; 53300 too many connections; 3D000 a database that no longer exists.
 * knex's pool reports an exhausted acquire timeout as a KnexTimeoutError, and pg a dropped connection
 * only by its message.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08') || /^57P0[123]$|^53300$|^3D000$/.test(code))) return true;
  if (name === 'KnexTimeoutError') return true;
  return typeof message === 'string' && /^Connection terminated/.test(message);
}

/**
 * A driver answered in a shape src/db/drivers.ts does not know, such as a row count that is not a whole
 * number: a defect to report, never a value to compute with.
 */
export class DatabaseResultError extends Error {
  readonly code = 'database_result_invalid';

  constructor(what: string) {
    super(`the database driver answered ${what}`);
    this.name = 'DatabaseResultError';
  }
}
