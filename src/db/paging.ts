import { z } from 'zod';
import { ValidationError } from '../x/errors.js';

/**
 * What every list asks a store for: at most `limit` items, starting after `after`, the position where
 * the previous page ended (null: from the start). A position is whatever orders the list: a table's
 * `seq`, an audit event's (at, id), a session's order key.
 */
export interface PageRequest<P = string> {
  readonly limit: number;
  readonly after: P | null;
}

/** One page of a list: its items, and the position the next page starts after (null: this is the last). */
export interface Page<T, P = string> {
  readonly items: T[];
  readonly next: P | null;
}

/** A page as every list endpoint answers it: `next_cursor` is opaque, to be sent back as `?cursor=`. */
export interface ListPage<R> {
  items: R[];
  next_cursor: string | null;
}

/**
 * The page in `rows`, read with `limit + 1`: the extra row only says that there is more, and the last
 * row of the page is where the next one starts.
 */
export function pageOf<T, P>(rows: readonly T[], limit: number, positionOf: (row: T) => P): Page<T, P> {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? positionOf(items[items.length - 1]!) : null };
}

const NOT_A_CURSOR = 'not a cursor returned by this API';

/**
 * Turns a list's positions into the opaque `next_cursor` strings the API hands out, and back. A cursor is
 * base64url of the position's JSON; reading one checks it with `schema`, so a cursor that was altered,
 * truncated or made up is a 400 naming `cursor`, never a query with a wrong bound.
 */
export class CursorCodec<P> {
  constructor(
    /** Reads the JSON form back into a position, refusing anything this codec did not write. */
    private readonly schema: z.ZodType<P>,
    /** The position's JSON form. */
    private readonly write: (position: P) => unknown = (position) => position,
  ) {}

  encode(position: P): string {
    return Buffer.from(JSON.stringify(this.write(position))).toString('base64url');
  }

  /** The position a cursor stands for; null without a cursor. */
  decode(cursor: string | null | undefined): P | null {
    if (cursor === null || cursor === undefined) return null;
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw ValidationError.field('cursor', NOT_A_CURSOR);
    }
    const result = this.schema.safeParse(json);
    if (!result.success) throw ValidationError.field('cursor', NOT_A_CURSOR);
    return result.data;
  }

  /** The page as the API answers it, each item made a resource by `toResource`. */
  listPage<T, R>(page: Page<T, P>, toResource: (item: T) => R): ListPage<R> {
    return { items: page.items.map(toResource), next_cursor: page.next === null ? null : this.encode(page.next) };
  }
}

/** Positions in a table's insertion order: its `seq` column (bigint, read as a decimal string). */
export const SEQ_CURSOR = new CursorCodec(z.string().regex(/^\d{1,18}$/));
