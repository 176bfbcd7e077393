import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startTestServer } from '../support/server.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

const WRONG_KEY = randomBytes(32).toString('base64');

let database: TestDatabase;
let storedKeys: unknown[];

async function signingKeyRows(): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query('select * from signing_keys order by kid')).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  const first = await startTestServer({ DATABASE_URL: database.url });
  await first.stop();
  storedKeys = await signingKeyRows();
});

afterAll(async () => {
  await database?.drop();
});

describe('a key-encryption key that cannot open the stored keys', () => {
  it('stops startup when KEY_ENCRYPTION_KEY is wrong, and writes nothing, not even a SIGNING_ALG change', async () => {
    await expect(
      startTestServer({ DATABASE_URL: database.url, KEY_ENCRYPTION_KEY: WRONG_KEY, SIGNING_ALG: 'ES256' }),
    ).rejects.toThrow(/cannot be decrypted with the configured key-encryption key.*refusing to start/);
    expect(await signingKeyRows()).toEqual(storedKeys);
  });

  it('stops startup when neither KEY_ENCRYPTION_KEY nor the key file exists, instead of making new keys', async () => {
    await expect(startTestServer({ DATABASE_URL: database.url, KEY_ENCRYPTION_KEY: '' })).rejects.toThrow(
      /signing keys exist in the database but neither KEY_ENCRYPTION_KEY nor .*key-encryption\.key is available/,
    );
    expect(await signingKeyRows()).toEqual(storedKeys);
  });
});
