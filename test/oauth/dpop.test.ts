import { exportJWK } from 'jose';
import { type DpopKey, dpopKey, dpopProof, type ProofOptions, unsignedJws } from '../support/dpop.js';
import { SERVER_MODES } from '../support/modes.js';
import {
  adminToken,
  api,
  type CreatedClient,
  claimsOf,
  createClient,
  introspect,
  requestToken,
  revoke,
  type TokenResult,
} from '../support/oauth.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';

/** A client_credentials request with client_secret_basic and, when given, a DPoP header. */
function requestWithProof(server: TestServer, client: CreatedClient, proof?: string): Promise<TokenResult> {
  return requestToken(
    server.url,
    client.client_id,
    client.client_secret,
    {},
    proof === undefined ? {} : { dpop: proof },
  );
}

function expectRefused(result: TokenResult, error = 'invalid_dpop_proof', because?: RegExp): void {
  expect({ status: result.status, error: result.body.error }).toEqual({ status: 400, error });
  if (because) expect(result.body.error_description).toMatch(because);
  expect(result.body.access_token).toBeUndefined();
}

describe.each(SERVER_MODES)('DPoP at the token endpoint (RFC 9449), $name', (mode) => {
  let server: TestServer;
  let admin: string;
  let client: CreatedClient;
  let resourceServer: CreatedClient;
  let key: DpopKey;
  let htu: string;
  const proofFor = (options: Partial<ProofOptions> = {}) => dpopProof(key, { htu, ...options });

  beforeAll(async () => {
    server = await mode.start();
    htu = `${server.config.issuer}/token`;
    admin = await adminToken(server.url);
    [client, resourceServer] = await Promise.all([
      createClient(server.url, admin, { name: 'SOAR', role: 'analyst' }),
      createClient(server.url, admin, { name: 'orders API', role: 'resource-server' }),
    ]);
    key = await dpopKey('ES256');
  });
  afterAll(() => server.stop());

  it('binds the token to the proof key: token_type DPoP, cnf.jkt in the JWT, the session and introspection', async () => {
    const { status, body } = await requestWithProof(server, client, await proofFor());
    expect(status).toBe(200);
    expect(body.token_type).toBe('DPoP');
    const token = body.access_token as string;
    const claims = claimsOf(token);
    expect(claims.cnf).toEqual({ jkt: key.jkt });

    const introspection = await introspect(server.url, resourceServer.client_id, resourceServer.client_secret, token);
    expect(introspection.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });

    const sessions = await api<{ items: { jti: string; cnf?: unknown }[] }>(
      server.url,
      admin,
      'GET',
      `/clients/${client.client_id}/sessions`,
    );
    expect(sessions.body.items.find((item) => item.jti === claims.jti)?.cnf).toEqual({ jkt: key.jkt });
  });

  it.each(['EdDSA', 'RS256', 'PS256'])('accepts a proof signed with %s', async (alg) => {
    const other = await dpopKey(alg);
    const { status, body } = await requestWithProof(server, client, await dpopProof(other, { htu }));
    expect(status).toBe(200);
    expect(claimsOf(body.access_token as string).cnf).toEqual({ jkt: other.jkt });
  });

  it('leaves a request without a proof a bearer token, as before', async () => {
    const { status, body } = await requestWithProof(server, client);
    expect(status).toBe(200);
    expect(body.token_type).toBe('Bearer');
    expect(claimsOf(body.access_token as string).cnf).toBeUndefined();
  });

  it('compares htu with scheme and host in any case, ignoring a query and a fragment', async () => {
    const url = new URL(htu);
    const shouted = `${url.protocol.toUpperCase()}//${url.host.toUpperCase()}${url.pathname}?x=1#frag`;
    expect((await requestWithProof(server, client, await proofFor({ htu: shouted }))).status).toBe(200);
  });

  it('refuses a replayed proof', async () => {
    const proof = await proofFor();
    expect((await requestWithProof(server, client, proof)).status).toBe(200);
    expectRefused(await requestWithProof(server, client, proof), undefined, /used before/);
  });

  it('refuses a proof for another URL', async () => {
    expectRefused(
      await requestWithProof(server, client, await proofFor({ htu: `${server.url}/token/introspection` })),
      undefined,
      /htu/,
    );
    expectRefused(
      await requestWithProof(server, client, await proofFor({ htu: 'https://elsewhere.example/token' })),
      undefined,
      /htu/,
    );
  });

  it('refuses a proof for another method', async () => {
    expectRefused(await requestWithProof(server, client, await proofFor({ htm: 'GET' })), undefined, /htm/);
  });

  it('refuses a stale proof, and one from the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    expectRefused(await requestWithProof(server, client, await proofFor({ iat: now - 60 - 60 - 5 })), undefined, /iat/);
    expectRefused(await requestWithProof(server, client, await proofFor({ iat: now + 60 + 5 })), undefined, /iat/);
  });

  it('refuses a proof signed by another key than the one in its jwk', async () => {
    const other = await dpopKey('ES256');
    expectRefused(
      await requestWithProof(server, client, await proofFor({ jwk: other.publicJwk })),
      undefined,
      /signature/,
    );
  });

  it('refuses a proof whose jwk holds the private key', async () => {
    const privateJwk = await exportJWK(key.privateKey);
    expect(privateJwk.d).toBeDefined();
    expectRefused(await requestWithProof(server, client, await proofFor({ jwk: privateJwk })), undefined, /public key/);
  });

  it('refuses alg none and HMAC proofs', async () => {
    const payload = { jti: 'x', htm: 'POST', htu, iat: Math.floor(Date.now() / 1000) };
    const none = `${unsignedJws({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk }, payload).split('.').slice(0, 2).join('.')}.`;
    expectRefused(await requestWithProof(server, client, none), undefined, /alg/);
    const hmac = unsignedJws({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } }, payload);
    expectRefused(await requestWithProof(server, client, hmac), undefined, /alg/);
  });

  it('refuses a proof of another type, a proof without a key, and junk', async () => {
    expectRefused(await requestWithProof(server, client, await proofFor({ typ: 'JWT' })), undefined, /typ/);
    const payload = { jti: 'x', htm: 'POST', htu, iat: Math.floor(Date.now() / 1000) };
    expectRefused(
      await requestWithProof(server, client, unsignedJws({ alg: 'ES256', typ: 'dpop+jwt' }, payload)),
      undefined,
      /jwk/,
    );
    expectRefused(await requestWithProof(server, client, 'not a proof'));
    expectRefused(await requestWithProof(server, client, 'a'.repeat(10_000)));
  });

  it('refuses a token request without a proof from a client registered with dpop_bound_access_tokens', async () => {
    const bound = await createClient(server.url, admin, {
      name: 'bound',
      role: 'analyst',
      dpop_bound_access_tokens: true,
    });
    expect(bound.dpop_bound_access_tokens).toBe(true);
    expectRefused(await requestWithProof(server, bound), undefined, /must send a DPoP proof/);
    const { status, body } = await requestWithProof(server, bound, await proofFor());
    expect({ status, token_type: body.token_type }).toEqual({ status: 200, token_type: 'DPoP' });
  });

  it('lets introspection and revocation take a DPoP-bound token without a proof of their own', async () => {
    const { body } = await requestWithProof(server, client, await proofFor());
    const token = body.access_token as string;
    expect((await revoke(server.url, client.client_id, client.client_secret, token)).status).toBe(200);
    const after = await introspect(server.url, resourceServer.client_id, resourceServer.client_secret, token);
    expect(after.body).toEqual({ active: false });
  });

  it('does not let a DPoP-bound token act as a bearer token on the admin API', async () => {
    const adminClient = await createClient(server.url, admin, { name: 'bound admin', role: 'admin' });
    const { body } = await requestWithProof(server, adminClient, await proofFor());
    const stolen = await api(server.url, body.access_token as string, 'GET', '/clients');
    expect(stolen.status).toBe(401);
  });
});

describe('the dpop_bound_access_tokens client field', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await adminToken(server.url);
  });
  afterAll(() => server.stop());

  it('is false by default, can be switched on, and switching it on revokes the tokens the client holds', async () => {
    const client = await createClient(server.url, admin, { name: 'switch', role: 'analyst' });
    expect(client.dpop_bound_access_tokens).toBe(false);
    const { body } = await requestToken(server.url, client.client_id, client.client_secret);
    const bearer = body.access_token as string;
    const patched = await api(server.url, admin, 'PATCH', `/clients/${client.client_id}`, {
      dpop_bound_access_tokens: true,
    });
    expect(patched.body.dpop_bound_access_tokens).toBe(true);
    const introspection = await introspect(server.url, client.client_id, client.client_secret, bearer);
    expect(introspection.body).toEqual({ active: false });
  });

  it('refuses a value that is not a boolean, naming the field', async () => {
    const { status, body } = await api(server.url, admin, 'POST', '/clients', {
      name: 'bad',
      role: 'analyst',
      dpop_bound_access_tokens: 'yes',
    });
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain('dpop_bound_access_tokens');
  });
});

describe('DPoP behind a proxy: htu is derived from ISSUER, never from Host', () => {
  let server: TestServer;
  let client: CreatedClient;

  beforeAll(async () => {
    server = await startTestServer({ ISSUER: 'https://Auth.Example.test/tollgate' });
    client = await createClient(server.url, await adminToken(server.url), { name: 'proxied', role: 'analyst' });
  });
  afterAll(() => server.stop());

  it("accepts a proof for the issuer's token URL and refuses one for the address the request reached", async () => {
    const key = await dpopKey();
    const issuerUrl = 'https://auth.example.test/tollgate/token';
    expect((await requestWithProof(server, client, await dpopProof(key, { htu: issuerUrl }))).status).toBe(200);
    expectRefused(
      await requestWithProof(server, client, await dpopProof(key, { htu: `${server.url}/token` })),
      undefined,
      /htu must be https:\/\/auth.example.test\/tollgate\/token/,
    );
  });
});

describe('DPoP server nonces (DPOP_NONCE_REQUIRED)', () => {
  let server: TestServer;
  let client: CreatedClient;
  let htu: string;

  beforeAll(async () => {
    server = await startTestServer({ DPOP_NONCE_REQUIRED: 'true' });
    htu = `${server.config.issuer}/token`;
    client = await createClient(server.url, await adminToken(server.url), { name: 'nonce', role: 'analyst' });
  });
  afterAll(() => server.stop());

  it('answers a proof without the nonce 400 use_dpop_nonce with a DPoP-Nonce, and accepts the retry', async () => {
    const key = await dpopKey();
    const first = await requestWithProof(server, client, await dpopProof(key, { htu }));
    expectRefused(first, 'use_dpop_nonce');
    const nonce = first.headers.get('dpop-nonce');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const retry = await requestWithProof(server, client, await dpopProof(key, { htu, nonce: nonce! }));
    expect(retry.status).toBe(200);
    expect(retry.body.token_type).toBe('DPoP');
    expect(retry.headers.get('dpop-nonce')).toBe(nonce);
  });

  it('refuses a nonce it did not hand out', async () => {
    const key = await dpopKey();
    const forged = await requestWithProof(server, client, await dpopProof(key, { htu, nonce: 'A'.repeat(43) }));
    expectRefused(forged, 'use_dpop_nonce');
  });

  it('still issues bearer tokens to requests without DPoP', async () => {
    expect((await requestWithProof(server, client)).body.token_type).toBe('Bearer');
  });
});

describe('DPoP across instances sharing Postgres and Redis', () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let client: CreatedClient;
  const htu = 'https://tollgate.test/token';

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { DATABASE_URL: database.url, REDIS_URL, ISSUER: 'https://tollgate.test', DPOP_NONCE_REQUIRED: 'true' };
    a = await startTestServer(env);
    b = await startTestServer(env);
    client = await createClient(a.url, await adminToken(a.url), { name: 'two instances', role: 'analyst' });
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await database.drop();
  });

  it("accepts one instance's nonce on the other, and refuses there a proof the first one accepted", async () => {
    const key = await dpopKey();
    const challenge = await requestWithProof(a, client, await dpopProof(key, { htu }));
    const nonce = challenge.headers.get('dpop-nonce')!;
    const proof = await dpopProof(key, { htu, nonce });
    expect((await requestWithProof(b, client, proof)).status).toBe(200);
    expectRefused(await requestWithProof(a, client, proof), undefined, /used before/);
  });
});
