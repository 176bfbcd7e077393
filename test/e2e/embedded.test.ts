import { rmSync } from 'node:fs';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { adminToken, api, createClient, requestToken } from '../support/oauth.js';
import { freePort, startTestServer, temporaryDirectory } from '../support/server.js';

/** The default a new user gets from `npm start`: embedded Postgres (PGlite) and in-process sessions. */
describe('embedded single-node default', () => {
  const dataDir = temporaryDirectory('data');
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves the whole path, and keeps keys, clients and token validity across a restart', async () => {
    const port = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port) };
    const first = await startTestServer(env);
    expect(first.config.singleNode).toBe(true);
    expect(first.app.sessions.kind).toBe('memory');
    const admin = await adminToken(first.url);
    const client = await createClient(first.url, admin, {
      name: 'embedded',
      role: 'read-only',
      ip_allowlist: ['127.0.0.1', '::1'],
    });
    const issued = await requestToken(first.url, client.client_id, client.client_secret);
    expect(issued.status).toBe(200);
    const token = issued.body.access_token as string;
    await first.stop();

    const second = await startTestServer(env);
    try {
      const jwks = createRemoteJWKSet(new URL(`${second.url}/jwks`));
      const { payload } = await jwtVerify(token, jwks, {
        issuer: second.config.issuer,
        audience: second.config.tokenAudience,
        typ: 'at+jwt',
      });
      expect(payload.client_id).toBe(client.client_id);
      expect((await requestToken(second.url, client.client_id, client.client_secret)).status).toBe(200);
      const fetched = await api(second.url, await adminToken(second.url), 'GET', `/clients/${client.client_id}`);
      expect(fetched.body.name).toBe('embedded');
    } finally {
      await second.stop();
    }
    // The first start runs initdb in an empty DATA_DIR, which alone took over 20 s on a shared machine.
  }, 120_000);
});
