import { copyRows, copyTextLine } from '../../src/db/copy.js';
import type { Database } from '../../src/db/database.js';
import { DatabaseResultError, isUniqueViolation } from '../../src/db/errors.js';
import { DATABASE_DRIVERS, type OpenedDatabase } from '../support/databases.js';

/** knex's processResponse, which src/db/drivers.ts overrides; not in knex's types. */
type ResponseProcessor = { processResponse(query: Record<string, unknown>, runner: unknown): unknown };

describe.each(DATABASE_DRIVERS)('query answers on $name', (driver) => {
  let opened: OpenedDatabase;
  let db: Database;

  beforeAll(async () => {
    opened = await driver.open();
    db = opened.db;
    await db.schema.createTable('shapes', (table) => {
      table.increments('id');
      table.text('value');
    });
  });

  afterAll(async () => {
    await opened?.close();
  });

  beforeEach(async () => {
    await db('shapes').delete();
  });

  it('answers writes without returning with the number of rows changed', async () => {
    expect(await db('shapes').insert([{ value: 'a' }, { value: 'b' }, { value: 'c' }])).toBe(3);
    expect(
      await db('shapes')
        .insert({ id: (await db('shapes').first('id')).id, value: 'dup' })
        .onConflict('id')
        .ignore(),
    ).toBe(0);
    expect(await db('shapes').where('value', '<', 'c').update({ value: 'z' })).toBe(2);
    expect(await db('shapes').where('value', 'none').update({ value: 'z' })).toBe(0);
    expect(await db('shapes').where('value', 'z').del()).toBe(2);
    expect(await db('shapes').where('value', 'c').delete()).toBe(1);
    expect(await db('shapes').delete()).toBe(0);
    await db('shapes').insert({ value: 'in a transaction' });
    expect(await db.transaction((trx) => trx('shapes').delete())).toBe(1);
  });

  it('answers writes with returning with the rows', async () => {
    expect(await db('shapes').insert({ value: 'a' }).returning('value')).toEqual([{ value: 'a' }]);
    expect(await db('shapes').update({ value: 'b' }).returning(['value'])).toEqual([{ value: 'b' }]);
    expect(await db('shapes').delete(['value'])).toEqual([{ value: 'b' }]);
    expect(await db('shapes').delete().returning('value')).toEqual([]);
  });

  it('answers raw statements with their rows and the rows returned or changed', async () => {
    expect(await db.raw('select 1 as n union all select 2 order by n')).toEqual({
      rows: [{ n: 1 }, { n: 2 }],
      rowCount: 2,
    });
    expect(await db.raw("insert into shapes (value) values ('a'), ('b')")).toEqual({ rows: [], rowCount: 2 });
    expect(await db.raw("update shapes set value = 'c' returning value")).toEqual({
      rows: [{ value: 'c' }, { value: 'c' }],
      rowCount: 2,
    });
    expect(await db.raw('delete from shapes')).toEqual({ rows: [], rowCount: 2 });
    expect(await db.raw('create temporary table scratch (n int)')).toEqual({ rows: [], rowCount: 0 });
  });

  it('reads bigint values as text, as they may exceed 2^53', async () => {
    await db('shapes').insert({ value: 'x' });
    expect(await db('shapes').count('* as n')).toEqual([{ n: '1' }]);
    expect(await db.raw('select 9007199254740993::bigint as big')).toEqual({
      rows: [{ big: '9007199254740993' }],
      rowCount: 1,
    });
  });

  it('copies rows in COPY text format and answers their number, every character as it was', async () => {
    const values = ['plain', 'tab\there', 'line\nbreak\r', 'back\\slash \\N \\t', '\u{1F512} ünïcode', ''];
    const rows = values.map((value, i) => copyTextLine([String(1_000 + i), value])).join('');
    expect(await copyRows(db, 'shapes (id, value)', rows + copyTextLine(['2000', null]))).toBe(values.length + 1);
    const stored = await db('shapes').where('id', '>=', 1_000).orderBy('id').select('value');
    expect(stored.map((row: { value: string | null }) => row.value)).toEqual([...values, null]);
  });

  it('copies all rows or none: a row that fails leaves the table as it was, with the SQLSTATE as raised', async () => {
    await db('shapes').insert({ id: 3_000, value: 'there before' });
    const rows = copyTextLine(['3001', 'new']) + copyTextLine(['3000', 'duplicate id']);
    const failure = await copyRows(db, 'shapes (id, value)', rows).catch((error: unknown) => error);
    expect(isUniqueViolation(failure)).toBe(true);
    expect(await db('shapes').where('id', '>=', 3_000).select('id', 'value')).toEqual([
      { id: 3_000, value: 'there before' },
    ]);
    // The connection went back to the pool in working order.
    expect(await db('shapes').count('* as n')).toEqual([{ n: '1' }]);
  });

  it('refuses a driver answer whose row count is not a whole number, instead of returning it', () => {
    const client = db.client as unknown as ResponseProcessor;
    // What the driver would say for a delete whose count it does not know: pg's result shape, and PGlite's.
    const noCount = { command: 'DELETE', rows: [], fields: [], rowCount: null, affectedRows: undefined };
    expect(() => client.processResponse({ method: 'del', response: noCount }, undefined)).toThrow(DatabaseResultError);
    expect(() =>
      client.processResponse(
        {
          method: 'update',
          response: { ...noCount, command: 'UPDATE', rowCount: Number.NaN, affectedRows: Number.NaN },
        },
        undefined,
      ),
    ).toThrow(/NaN as the row count of a query \(knex method update\)/);
  });
});
