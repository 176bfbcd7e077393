import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { base64url, exportJWK, SignJWT } from 'jose';
import * as oauth from 'openid-client';
import { latestAuditDetails } from '../support/audit-events.js';
import {
  type AssertionAlg,
  assertionFor,
  type ClientKey,
  clientKey,
  type DocumentServer,
  startDocumentServer,
} from '../support/client-keys.js';
import { startSharedServer } from '../support/modes.js';
import { adminToken, api, createClient } from '../support/oauth.js';
import { freePort, type TestServer } from '../support/server.js';

let server: TestServer;
let admin: string;
let documents: DocumentServer;

beforeAll(async () => {
  documents = await startDocumentServer(await freePort());
  server = await startSharedServer({ CLIENT_KEYS_ALLOWED_HOSTS: documents.host });
  admin = await adminToken(server.url);
});

afterAll(async () => {
  await server.stop();
  await documents.close();
});

async function keyClient(fields: Record<string, unknown>): Promise<string> {
  const client = await createClient(server.url, admin, {
    name: 'SOAR playbook',
    role: 'read-only',
    token_endpoint_auth_method: 'private_key_jwt',
    ...fields,
  });
  expect(client.client_secret).toBeUndefined();
  return client.client_id;
}

async function openidClient(clientId: string, key: ClientKey): Promise<oauth.Configuration> {
  return oauth.discovery(
    new URL(server.url),
    clientId,
    undefined,
    oauth.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }),
    {
      execute: [oauth.allowInsecureRequests],
    },
  );
}

async function tokenRequest(params: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function withAssertion(assertion: string, clientId?: string): Record<string, string> {
  return {
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    ...(clientId ? { client_id: clientId } : {}),
  };
}

/** The audit trail's reason (and details) for the client's latest refused request. */
const deniedDetails = (clientId: string) => latestAuditDetails(server.url, admin, 'token.denied', clientId);

async function expectRefused(clientId: string, params: Record<string, string>, reason: string) {
  const { status, body } = await tokenRequest(params);
  expect({ status, error: body.error }).toEqual({ status: 401, error: 'invalid_client' });
  expect(await deniedDetails(clientId)).toMatchObject({ reason });
}

describe('private_key_jwt end to end with openid-client', () => {
  it.each<AssertionAlg>(['RS256', 'ES256', 'EdDSA'])('issues a token for an %s key registered inline', async (alg) => {
    const key = await clientKey(alg);
    const clientId = await keyClient({ jwks: { keys: [key.jwk] } });
    const tokens = await oauth.clientCredentialsGrant(await openidClient(clientId, key));
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(86400);
    expect(await latestAuditDetails(server.url, admin, 'token.issued', clientId)).toMatchObject({
      auth_method: 'private_key_jwt',
      authentication: { kid: key.kid },
    });
  });

  it.each<AssertionAlg>(['RS256', 'ES256', 'EdDSA'])(
    'issues a token for an %s key served at jwks_uri, and introspects with it',
    async (alg) => {
      const key = await clientKey(alg);
      const path = `/jwks-${randomUUID()}`;
      documents.serve(path, { keys: [key.jwk] });
      const clientId = await keyClient({ jwks_uri: `${documents.origin}${path}` });
      const configuration = await openidClient(clientId, key);
      const tokens = await oauth.clientCredentialsGrant(configuration);
      expect((await oauth.tokenIntrospection(configuration, tokens.access_token)).active).toBe(true);
      expect(documents.hits(path)).toBe(1);
    },
  );

  it('publishes private_key_jwt and its algorithms in discovery', async () => {
    const metadata = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    for (const endpoint of ['token', 'introspection', 'revocation']) {
      expect(metadata[`${endpoint}_endpoint_auth_methods_supported`]).toEqual([
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ]);
      expect(metadata[`${endpoint}_endpoint_auth_signing_alg_values_supported`]).toEqual([
        'RS256',
        'PS256',
        'ES256',
        'EdDSA',
        'Ed25519',
      ]);
    }
  });

  it('accepts the token endpoint URL as aud too, and an assertion without client_id in the form', async () => {
    const key = await clientKey('PS256');
    const clientId = await keyClient({ jwks: { keys: [key.jwk] } });
    const assertion = await assertionFor(key, clientId, `${server.url}/token`);
    expect((await tokenRequest(withAssertion(assertion))).status).toBe(200);
  });
});

describe('private_key_jwt refusals (each audited with its reason)', () => {
  let key: ClientKey;
  beforeAll(async () => {
    key = await clientKey('ES256');
  });
  const inline = () => keyClient({ jwks: { keys: [key.jwk] } });

  it('refuses a replayed jti', async () => {
    const clientId = await inline();
    const assertion = await assertionFor(key, clientId, server.url);
    expect((await tokenRequest(withAssertion(assertion, clientId))).status).toBe(200);
    await expectRefused(clientId, withAssertion(assertion, clientId), 'assertion_replayed');
  });

  it('refuses an assertion without jti', async () => {
    const clientId = await inline();
    await expectRefused(
      clientId,
      withAssertion(await assertionFor(key, clientId, server.url, { jti: undefined }), clientId),
      'jti_missing',
    );
  });

  it('refuses a wrong aud', async () => {
    const clientId = await inline();
    await expectRefused(
      clientId,
      withAssertion(await assertionFor(key, clientId, 'https://elsewhere.example'), clientId),
      'wrong_audience',
    );
  });

  it('refuses an expired assertion', async () => {
    const clientId = await inline();
    const past = Math.floor(Date.now() / 1000) - 600;
    await expectRefused(
      clientId,
      withAssertion(await assertionFor(key, clientId, server.url, { iat: past - 60, exp: past }), clientId),
      'assertion_expired',
    );
  });

  it('refuses an exp further ahead than CLIENT_ASSERTION_MAX_LIFETIME', async () => {
    const clientId = await inline();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    await expectRefused(
      clientId,
      withAssertion(await assertionFor(key, clientId, server.url, { exp }), clientId),
      'assertion_lifetime_too_long',
    );
  });

  it('refuses an assertion not valid before a future nbf', async () => {
    const clientId = await inline();
    const nbf = Math.floor(Date.now() / 1000) + 300;
    await expectRefused(
      clientId,
      withAssertion(await assertionFor(key, clientId, server.url, { nbf }), clientId),
      'assertion_not_yet_valid',
    );
  });

  it('refuses an assertion whose sub is not the client', async () => {
    const clientId = await inline();
    await expectRefused(
      clientId,
      withAssertion(await assertionFor(key, clientId, server.url, { sub: 'someone-else' }), clientId),
      'wrong_subject',
    );
  });

  it('refuses alg none', async () => {
    const clientId = await inline();
    const now = Math.floor(Date.now() / 1000);
    const header = base64url.encode(JSON.stringify({ alg: 'none', kid: key.kid }));
    const payload = base64url.encode(
      JSON.stringify({ iss: clientId, sub: clientId, aud: server.url, exp: now + 60, jti: randomUUID() }),
    );
    await expectRefused(clientId, withAssertion(`${header}.${payload}.`, clientId), 'alg_not_allowed');
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const rsa = await clientKey('RS256');
    const clientId = await keyClient({ jwks: { keys: [rsa.jwk] } });
    const now = Math.floor(Date.now() / 1000);
    const secret = new TextEncoder().encode(JSON.stringify(rsa.jwk));
    const forged = await new SignJWT({
      iss: clientId,
      sub: clientId,
      aud: server.url,
      exp: now + 60,
      jti: randomUUID(),
    })
      .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
      .sign(secret);
    await expectRefused(clientId, withAssertion(forged, clientId), 'alg_not_allowed');
  });

  it('refuses a key the client did not register (unknown kid)', async () => {
    const clientId = await inline();
    const stranger = await clientKey('ES256');
    await expectRefused(
      clientId,
      withAssertion(await assertionFor(stranger, clientId, server.url), clientId),
      'unknown_kid',
    );
  });

  it('refuses an assertion signed by another key under a registered kid', async () => {
    const clientId = await inline();
    const impostor = { ...(await clientKey('ES256')), kid: key.kid };
    await expectRefused(
      clientId,
      withAssertion(await assertionFor(impostor, clientId, server.url), clientId),
      'invalid_signature',
    );
  });

  it('refuses a secret from a private_key_jwt client, and an assertion from a secret client', async () => {
    const clientId = await inline();
    const basic = `Basic ${Buffer.from(`${clientId}:anything`).toString('base64')}`;
    const { status } = await tokenRequest({}, { authorization: basic });
    expect(status).toBe(401);
    expect(await deniedDetails(clientId)).toMatchObject({ reason: 'auth_method_not_registered' });
    const secretClient = await createClient(server.url, admin, { name: 'secret', role: 'read-only' });
    await expectRefused(
      secretClient.client_id,
      withAssertion(await assertionFor(key, secretClient.client_id, server.url), secretClient.client_id),
      'auth_method_not_registered',
    );
  });

  it('answers invalid_request for a secret and an assertion together', async () => {
    const clientId = await inline();
    const { status, body } = await tokenRequest({
      ...withAssertion(await assertionFor(key, clientId, server.url), clientId),
      client_secret: 'x',
    });
    expect({ status, error: body.error }).toEqual({ status: 400, error: 'invalid_request' });
  });

  it('refuses a jwks_uri at a refused address, and plain http to a host not allowed', async () => {
    for (const [uri, fetch] of [
      ['https://169.254.169.254/latest/meta-data/jwks', 'refused_address'],
      ['https://127.0.0.1:1/jwks', 'refused_address'],
      ['https://localhost:1/jwks', 'refused_address'],
      [`http://127.0.0.2:${documents.host.split(':')[1]}/jwks`, 'not_https'],
    ]) {
      const clientId = await keyClient({ jwks_uri: uri });
      await expectRefused(
        clientId,
        withAssertion(await assertionFor(key, clientId, server.url), clientId),
        'jwks_unavailable',
      );
      expect(await deniedDetails(clientId)).toMatchObject({ fetch });
    }
  });

  it('refetches jwks_uri once for an unknown kid (a rotated key), then not again within the interval', async () => {
    const path = `/jwks-${randomUUID()}`;
    documents.serve(path, { keys: [key.jwk] }, { 'cache-control': 'max-age=3600' });
    const clientId = await keyClient({ jwks_uri: `${documents.origin}${path}` });
    expect((await tokenRequest(withAssertion(await assertionFor(key, clientId, server.url), clientId))).status).toBe(
      200,
    );
    const rotated = await clientKey('ES256');
    documents.serve(path, { keys: [key.jwk, rotated.jwk] }, { 'cache-control': 'max-age=3600' });
    expect(
      (await tokenRequest(withAssertion(await assertionFor(rotated, clientId, server.url), clientId))).status,
    ).toBe(200);
    expect(documents.hits(path)).toBe(2);
    const unknown = await clientKey('ES256');
    await expectRefused(
      clientId,
      withAssertion(await assertionFor(unknown, clientId, server.url), clientId),
      'unknown_kid',
    );
    expect(documents.hits(path)).toBe(2);
  });
});

describe('private_key_jwt clients in the admin API', () => {
  it('refuses a JWK with a private part, naming the field', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privateJwk = privateKey.export({ format: 'jwk' });
    const { status, body } = await api(server.url, admin, 'POST', '/clients', {
      name: 'leaky',
      role: 'read-only',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [privateJwk] },
    });
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain('jwks.keys.0.d');
  });

  it('refuses a symmetric key, both jwks and jwks_uri, and none of them', async () => {
    const publicJwk = await exportJWK(createPublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey));
    for (const fields of [
      { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
      { jwks: { keys: [publicJwk] }, jwks_uri: 'https://keys.example/jwks' },
      {},
    ]) {
      const { status } = await api(server.url, admin, 'POST', '/clients', {
        name: 'bad',
        role: 'read-only',
        token_endpoint_auth_method: 'private_key_jwt',
        ...fields,
      });
      expect(status).toBe(400);
    }
  });

  it('shows the method and keys, answers 409 on the secret route, and a .env file without a secret', async () => {
    const key = await clientKey('ES256');
    const created = await fetch(`${server.url}/api/v1/clients?download=env`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'env',
        role: 'read-only',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [key.jwk] },
      }),
    });
    expect(created.status).toBe(201);
    const text = await created.text();
    expect(text).toContain('TOLLGATE_CLIENT_ID=');
    expect(text).not.toContain('TOLLGATE_CLIENT_SECRET');
    const clientId = /TOLLGATE_CLIENT_ID=(\S+)/.exec(text)![1]!;
    const shown = await api<Record<string, unknown>>(server.url, admin, 'GET', `/clients/${clientId}`);
    expect(shown.body).toMatchObject({
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.jwk] },
      jwks_uri: null,
    });
    expect((await api(server.url, admin, 'POST', `/clients/${clientId}/secret`, {})).status).toBe(409);
  });

  it('moves a secret client to private_key_jwt by PATCH: the secret stops working, the key works', async () => {
    const key = await clientKey('EdDSA');
    const client = await createClient(server.url, admin, { name: 'migrating', role: 'read-only' });
    const patched = await api(server.url, admin, 'PATCH', `/clients/${client.client_id}`, {
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.jwk] },
    });
    expect(patched.status).toBe(200);
    const basic = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
    expect((await tokenRequest({}, { authorization: basic })).status).toBe(401);
    const assertion = await assertionFor(key, client.client_id, server.url);
    expect((await tokenRequest(withAssertion(assertion, client.client_id))).status).toBe(200);
    const back = await api(server.url, admin, 'PATCH', `/clients/${client.client_id}`, {
      token_endpoint_auth_method: 'client_secret_basic',
      jwks: null,
    });
    expect(back.status).toBe(400);
  });
});
