import { ValidationError } from '../x/errors.js';

/** Opaque page cursors over a table's insertion-order `seq` column. */
export function encodeSeqCursor(seq: string): string {
  return Buffer.from(seq).toString('base64url');
}

export function decodeSeqCursor(cursor: string | null): string | null {
  if (cursor === null) return null;
  const seq = Buffer.from(cursor, 'base64url').toString();
  if (!/^\d{1,18}$/.test(seq)) throw ValidationError.field('cursor', 'not a cursor returned by this API');
  return seq;
}
