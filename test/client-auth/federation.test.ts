import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import * as oauth from 'openid-client';
import { latestAuditDetails } from '../support/audit-events.js';
import {
  type ClientKey,
  clientKey,
  type DocumentServer,
  signJwt,
  startDocumentServer,
} from '../support/client-keys.js';
import { startSharedServer } from '../support/modes.js';
import { adminToken, api } from '../support/oauth.js';
import { freePort, type TestServer } from '../support/server.js';

/**
 * Workload identity federation against an external issuer this test runs: a discovery document and a
 * JWKS on an allowed http host, and workload tokens signed with jose, shaped like a GitHub Actions OIDC
 * token and a Kubernetes projected service account token.
 */
let server: TestServer;
let admin: string;
let issuerServer: DocumentServer;
let issuer: string;
let issuerKey: ClientKey;

beforeAll(async () => {
  issuerServer = await startDocumentServer(await freePort());
  issuer = issuerServer.origin;
  issuerKey = await clientKey('RS256');
  issuerServer.serve('/.well-known/openid-configuration', { issuer, jwks_uri: `${issuer}/keys` });
  issuerServer.serve('/keys', { keys: [issuerKey.jwk] });
  server = await startSharedServer({ CLIENT_KEYS_ALLOWED_HOSTS: issuerServer.host });
  admin = await adminToken(server.url);
});

afterAll(async () => {
  await server.stop();
  await issuerServer.close();
});

const GITHUB_SUBJECT = 'repo:acme/deploy:ref:refs/heads/main';

async function federatedClient(credential: Record<string, unknown> = {}): Promise<string> {
  const { status, body } = await api<{ client_id: string; client_secret?: string }>(
    server.url,
    admin,
    'POST',
    '/clients',
    {
      name: 'CI deploy job',
      role: 'read-only',
      token_endpoint_auth_method: 'private_key_jwt',
      federated_credentials: [
        {
          issuer,
          subject: GITHUB_SUBJECT,
          claims: { repository: 'acme/deploy', ref: 'refs/heads/main' },
          ...credential,
        },
      ],
    },
  );
  expect(status).toBe(201);
  expect(body.client_secret).toBeUndefined();
  return body.client_id;
}

function workloadToken(overrides: JWTPayload = {}, key = issuerKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(key, {
    iss: issuer,
    sub: GITHUB_SUBJECT,
    aud: server.config.issuer,
    iat: now,
    nbf: now,
    exp: now + 300,
    jti: randomUUID(),
    repository: 'acme/deploy',
    ref: 'refs/heads/main',
    ...overrides,
  });
}

async function tokenWith(clientId: string, assertion: string) {
  const response = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const latest = (type: string, clientId: string) => latestAuditDetails(server.url, admin, type, clientId);

async function expectRefused(clientId: string, assertion: string, reason: string) {
  const { status, body } = await tokenWith(clientId, assertion);
  expect({ status, error: body.error }).toEqual({ status: 401, error: 'invalid_client' });
  expect(await latest('token.denied', clientId)).toMatchObject({ reason });
}

describe('workload identity federation', () => {
  it('issues a Tollgate token for a trusted workload token, through openid-client, and audits the matched credential', async () => {
    const clientId = await federatedClient();
    const platformToken = await workloadToken();
    const configuration = await oauth.discovery(new URL(server.url), clientId, undefined, oauth.None(), {
      execute: [oauth.allowInsecureRequests],
    });
    const tokens = await oauth.clientCredentialsGrant(configuration, {
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: platformToken,
    });
    expect(tokens.expires_in).toBe(86400);
    const details = await latest('token.issued', clientId);
    expect(details).toMatchObject({
      auth_method: 'federated',
      authentication: { federated_issuer: issuer, federated_subject: GITHUB_SUBJECT },
    });
    expect(JSON.stringify(details)).not.toContain(platformToken);
  });

  it('accepts a Kubernetes-shaped token with a nested namespace claim and its own audience', async () => {
    const subject = 'system:serviceaccount:soar:collector';
    const { body } = await api<{ client_id: string }>(server.url, admin, 'POST', '/clients', {
      name: 'k8s collector',
      role: 'read-only',
      token_endpoint_auth_method: 'private_key_jwt',
      federated_credentials: [
        {
          issuer,
          jwks_uri: `${issuer}/keys`,
          subject,
          audience: 'tollgate',
          claims: { 'kubernetes.io/namespace': 'soar' },
        },
      ],
    });
    const token = await workloadToken({ sub: subject, aud: 'tollgate', 'kubernetes.io': { namespace: 'soar' } });
    expect((await tokenWith(body.client_id, token)).status).toBe(200);
  });

  it('refuses a replayed platform token, with and without jti', async () => {
    const clientId = await federatedClient();
    const token = await workloadToken();
    expect((await tokenWith(clientId, token)).status).toBe(200);
    await expectRefused(clientId, token, 'assertion_replayed');
    const withoutJti = await workloadToken({ jti: undefined });
    expect((await tokenWith(clientId, withoutJti)).status).toBe(200);
    await expectRefused(clientId, withoutJti, 'assertion_replayed');
  });

  it('refuses the wrong subject', async () => {
    const clientId = await federatedClient();
    await expectRefused(clientId, await workloadToken({ sub: 'repo:acme/deploy:pull_request' }), 'wrong_subject');
  });

  it('refuses the wrong audience', async () => {
    const clientId = await federatedClient();
    await expectRefused(clientId, await workloadToken({ aud: 'https://other.example' }), 'wrong_audience');
  });

  it('refuses a wrong required claim, naming it', async () => {
    const clientId = await federatedClient();
    await expectRefused(clientId, await workloadToken({ ref: 'refs/heads/feature' }), 'wrong_claim');
    expect(await latest('token.denied', clientId)).toMatchObject({ claim: 'ref' });
  });

  it('refuses a platform token living longer than FEDERATED_TOKEN_MAX_LIFETIME', async () => {
    const clientId = await federatedClient();
    const exp = Math.floor(Date.now() / 1000) + 6 * 3600;
    await expectRefused(clientId, await workloadToken({ exp }), 'assertion_lifetime_too_long');
  });

  it('refuses an expired platform token, an untrusted issuer and a token signed by another key', async () => {
    const clientId = await federatedClient();
    const past = Math.floor(Date.now() / 1000) - 600;
    await expectRefused(
      clientId,
      await workloadToken({ iat: past - 60, nbf: past - 60, exp: past }),
      'assertion_expired',
    );
    const other = await federatedClient();
    await expectRefused(
      other,
      await workloadToken({ iss: 'https://token.actions.githubusercontent.com' }),
      'untrusted_issuer',
    );
    const third = await federatedClient();
    await expectRefused(
      third,
      await workloadToken({}, { ...(await clientKey('RS256')), kid: issuerKey.kid }),
      'invalid_signature',
    );
  });

  it('refuses a federated credential that is not valid, naming the field', async () => {
    const { status, body } = await api(server.url, admin, 'POST', '/clients', {
      name: 'bad',
      role: 'read-only',
      token_endpoint_auth_method: 'private_key_jwt',
      federated_credentials: [{ issuer: 'not a url', subject: '' }],
    });
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain('federated_credentials');
  });
});
