import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { KEY_FILE_NAME } from '../../src/keys/key-encryption-key.js';
import { initializeDataDir } from '../support/embedded-data.js';
import { ageNextKey, fetchJwks, keyRows, kidOf, signingKid } from '../support/keys.js';
import { adminToken, api } from '../support/oauth.js';
import { waitFor } from '../support/poll.js';
import { ADMIN_CLIENT_ID, startTestServer, type TestServer, temporaryDirectory } from '../support/server.js';

/** The default interval polls every 5 s. */
const POLL_WITHIN_MS = 8_000;

const dataDir = temporaryDirectory('embedded-data');
const keysDir = temporaryDirectory('embedded-keys');
/** The embedded default, with the key-encryption key in a file rather than the environment. */
const env = { DATA_DIR: dataDir, KEYS_DIR: keysDir, KEY_ENCRYPTION_KEY: '', ISSUER: 'http://tollgate.test' };
let server: TestServer | undefined;

/** The first start in an empty DATA_DIR (initdb) is e2e/embedded's subject; this file is about keys. */
beforeAll(() => initializeDataDir(dataDir));

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(keysDir, { recursive: true, force: true });
});

async function restart(extra: Record<string, string> = {}): Promise<TestServer> {
  await server?.stop();
  server = undefined;
  server = await startTestServer({ ...env, ...extra });
  return server;
}

describe('signing keys in the embedded default (PGlite, file key-encryption key)', () => {
  let tokenBeforeRotation: string;

  it('creates the key-encryption key file with mode 0600 and publishes an active and a next key', async () => {
    const first = await restart();
    expect(statSync(join(keysDir, KEY_FILE_NAME)).mode & 0o777).toBe(0o600);
    const jwks = await fetchJwks(first.url);
    expect(jwks.kids).toHaveLength(2);
    tokenBeforeRotation = await adminToken(first.url);
    expect(jwks.kids).toContain(kidOf(tokenBeforeRotation));
  });

  it('rotates on request', async () => {
    const nextKid = await ageNextKey(server!.app.db);
    const rotated = await api(server!.url, tokenBeforeRotation, 'POST', '/keys/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ kid: nextKid, alg: 'RS256', status: 'active' });
    expect(await signingKid(server!.url)).toBe(nextKid);
  });

  it('keeps the keys across a restart, so earlier tokens still verify', async () => {
    const kidsBefore = (await fetchJwks(server!.url)).kids;
    const signingBefore = await signingKid(server!.url);
    const restarted = await restart();
    expect((await fetchJwks(restarted.url)).kids).toEqual(kidsBefore);
    expect(await signingKid(restarted.url)).toBe(signingBefore);
    const { payload } = await jwtVerify(tokenBeforeRotation, createRemoteJWKSet(new URL(`${restarted.url}/jwks`)), {
      issuer: restarted.config.issuer,
    });
    expect(payload.sub).toBe(ADMIN_CLIENT_ID);
  });

  it('moves to a new SIGNING_ALG through the normal states', async () => {
    const restarted = await restart({ SIGNING_ALG: 'ES256' });
    const before = await keyRows(restarted.app.db);
    const oldActive = before.find((row) => row.status === 'active')!;
    expect(oldActive.alg).toBe('RS256');
    expect(before.find((row) => row.status === 'next')!.alg).toBe('ES256');
    // Until the new key has been published long enough, the old one keeps signing.
    expect(await signingKid(restarted.url)).toBe(oldActive.kid);

    const esKid = await ageNextKey(restarted.app.db);
    await waitFor('the ES256 key to sign', POLL_WITHIN_MS, async () => (await signingKid(restarted.url)) === esKid);
    const after = await keyRows(restarted.app.db);
    expect(after.find((row) => row.kid === oldActive.kid)!.status).toBe('retired');
    expect(after.find((row) => row.status === 'next')!.alg).toBe('ES256');

    const jwks = createRemoteJWKSet(new URL(`${restarted.url}/jwks`));
    await jwtVerify(await adminToken(restarted.url), jwks, { algorithms: ['ES256'] });
    await jwtVerify(tokenBeforeRotation, jwks, { algorithms: ['RS256'] });
  });

  it('refuses to start when the key file is gone, instead of making new keys', async () => {
    await server!.stop();
    server = undefined;
    rmSync(join(keysDir, KEY_FILE_NAME));
    await expect(startTestServer(env)).rejects.toThrow(
      /neither KEY_ENCRYPTION_KEY nor .* is available to decrypt them/,
    );
    expect(existsSync(join(keysDir, KEY_FILE_NAME))).toBe(false);
  });
});
