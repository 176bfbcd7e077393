import { z } from 'zod';
import { CursorCodec, pageOf, SEQ_CURSOR } from '../../src/db/paging.js';
import { ValidationError } from '../../src/x/errors.js';

interface Position {
  readonly at: Date;
  readonly id: string;
}

/** A codec whose position is not its JSON form, as the audit trail's is. */
const TIMED = new CursorCodec<Position>(
  z.tuple([z.iso.datetime(), z.string().regex(/^[a-z]{1,8}$/)]).transform(([at, id]) => ({ at: new Date(at), id })),
  ({ at, id }) => [at.toISOString(), id],
);

function refusal(decode: () => unknown): ValidationError {
  try {
    decode();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('the cursor was accepted');
}

describe('cursor codec', () => {
  it('round-trips positions through opaque, URL-safe cursors', () => {
    for (const seq of ['1', '42', '999999999999999999']) {
      const cursor = SEQ_CURSOR.encode(seq);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(SEQ_CURSOR.decode(cursor)).toBe(seq);
    }
    const position = { at: new Date('2026-11-24T09:30:00.123Z'), id: 'abc' };
    expect(TIMED.decode(TIMED.encode(position))).toEqual(position);
  });

  it('reads no cursor as the first page', () => {
    expect(SEQ_CURSOR.decode(null)).toBeNull();
    expect(SEQ_CURSOR.decode(undefined)).toBeNull();
  });

  it.each([
    ['garbage', 'not-a-cursor!!'],
    ['base64url of text that is not JSON', Buffer.from('hello').toString('base64url')],
    ['a cursor of another list', TIMED.encode({ at: new Date(0), id: 'abc' })],
    ['a tampered position', Buffer.from(JSON.stringify('12; drop table')).toString('base64url')],
    ['a number instead of a seq string', Buffer.from('42').toString('base64url')],
    ['a seq too long for a bigint', SEQ_CURSOR.encode('1'.repeat(19))],
    ['empty', ''],
  ])('refuses %s with a 400 naming the cursor', (_name, cursor) => {
    expect(refusal(() => SEQ_CURSOR.decode(cursor)).issues).toEqual([
      { field: 'cursor', message: 'not a cursor returned by this API' },
    ]);
  });

  it('refuses a cursor whose position no longer parses', () => {
    const truncated = TIMED.encode({ at: new Date(0), id: 'abc' }).slice(0, -4);
    expect(refusal(() => TIMED.decode(truncated)).issues[0]!.field).toBe('cursor');
    const badDate = Buffer.from(JSON.stringify(['yesterday', 'abc'])).toString('base64url');
    expect(refusal(() => TIMED.decode(badDate)).issues[0]!.field).toBe('cursor');
  });

  it('answers a page with items made resources and the next position as a cursor', () => {
    const page = pageOf(['30', '20', '10'], 2, (seq) => seq);
    expect(page).toEqual({ items: ['30', '20'], next: '20' });
    const answer = SEQ_CURSOR.listPage(page, (seq) => ({ seq }));
    expect(answer.items).toEqual([{ seq: '30' }, { seq: '20' }]);
    expect(SEQ_CURSOR.decode(answer.next_cursor)).toBe('20');
    expect(
      SEQ_CURSOR.listPage(
        pageOf(['10'], 2, (seq) => seq),
        (seq) => seq,
      ),
    ).toEqual({
      items: ['10'],
      next_cursor: null,
    });
  });
});
