import type { Knex } from 'knex';
import type { Database } from './database.js';
import type { CopyingClient } from './drivers.js';

/**
 * Copies `rows`, lines in COPY's text format (see copyTextLine), into `target` (`table (column, ...)`)
 * in one statement, through either driver: all of them or, should any fail, none. COPY has no ON
 * CONFLICT: a caller that may be writing rows a second time uses INSERT ... ON CONFLICT instead.
 */
export async function copyRows(db: Database, target: string, rows: string): Promise<number> {
  const client = db.client as Knex.Client & CopyingClient;
  const connection: unknown = await client.acquireConnection();
  try {
    return await client.copyFrom(connection, target, rows);
  } finally {
    await client.releaseConnection(connection);
  }
}

/** What COPY's text format escapes: its delimiter (tab), line ends and its escape character. */
const SPECIAL = /[\\\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

const copyText = (value: string | null) => (value === null ? '\\N' : value.replace(SPECIAL, (c) => ESCAPES[c]!));

/**
 * One row in COPY's text format: values separated by tabs, `\N` for null, ending in a newline. The
 * values must hold no NUL character, which Postgres text cannot store.
 */
export function copyTextLine(values: readonly (string | null)[]): string {
  return `${values.map(copyText).join('\t')}\n`;
}
