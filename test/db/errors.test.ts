import { openDatabase } from '../../src/db/database.js';
import { classifyDatabaseError, isForeignKeyViolation, isUniqueViolation } from '../../src/db/errors.js';
import { DependencyUnavailableError, StartupError } from '../../src/x/errors.js';
import { DATABASE_DRIVERS } from '../support/databases.js';
import { freePort } from '../support/server.js';
import { createTestDatabase } from '../support/services.js';

function withCode(code: string, message = 'driver error'): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyDatabaseError', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ['an unknown host', withCode('ENOTFOUND')],
    ['a connection exception (class 08)', withCode('08006')],
    ['a server shutting down', withCode('57P01')],
    ['a server starting up', withCode('57P03')],
    ['too many connections', withCode('53300')],
    ['a database that does not exist', withCode('3D000')],
    ['a refused password', withCode('28P01')],
    [
      'an exhausted pool',
      Object.assign(new Error('Knex: Timeout acquiring a connection'), { name: 'KnexTimeoutError' }),
    ],
    ['a connection pg dropped', new Error('Connection terminated unexpectedly')],
  ])('makes %s a DependencyUnavailableError of the database, keeping the cause', (_, error) => {
    const classified = classifyDatabaseError(error);
    expect(classified).toBeInstanceOf(DependencyUnavailableError);
    expect((classified as DependencyUnavailableError).dependency).toBe('database');
    expect((classified as Error).cause).toBe(error);
  });

  it('makes a missing table a StartupError that says to migrate', () => {
    const classified = classifyDatabaseError(withCode('42P01'));
    expect(classified).toBeInstanceOf(StartupError);
    expect((classified as StartupError).code).toBe('database_schema_missing');
    expect((classified as Error).message).toMatch(/migrate/);
  });

  it.each([
    ['a unique violation', withCode('23505')],
    ['a syntax error', withCode('42601')],
    ['a plain bug', new TypeError('undefined is not a function')],
    ['something not an error', 'a string'],
  ])('leaves %s as it was', (_, error) => {
    expect(classifyDatabaseError(error)).toBe(error);
  });

  it('recognises constraint violations by SQLSTATE after classification', () => {
    expect(isUniqueViolation(classifyDatabaseError(withCode('23505')))).toBe(true);
    expect(isForeignKeyViolation(classifyDatabaseError(withCode('23001')))).toBe(true);
  });
});

describe('where database errors are classified: every query, on both drivers', () => {
  it('answers a Postgres that does not listen with DependencyUnavailableError, within the acquire timeout', async () => {
    const db = openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${await freePort()}/none`, dataDir: '' });
    try {
      await expect(db.raw('select 1')).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(db.transaction((trx) => trx.raw('select 1'))).rejects.toBeInstanceOf(DependencyUnavailableError);
    } finally {
      await db.destroy();
    }
  });

  it('answers an empty Postgres database with the missing-schema StartupError', async () => {
    const empty = await createTestDatabase();
    const db = openDatabase({ databaseUrl: empty.url, dataDir: '' });
    try {
      await expect(db('api_clients').first()).rejects.toMatchObject({ code: 'database_schema_missing' });
    } finally {
      await db.destroy();
      await empty.drop();
    }
  });

  it.each(DATABASE_DRIVERS)('keeps constraint errors recognisable on $name', async (driver) => {
    const opened = await driver.open();
    try {
      await opened.db.schema.createTable('unique_names', (table) => table.text('name').primary());
      await opened.db('unique_names').insert({ name: 'a' });
      const error = await opened
        .db('unique_names')
        .insert({ name: 'a' })
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      expect(isUniqueViolation(error)).toBe(true);
    } finally {
      await opened.close();
    }
  });
});
