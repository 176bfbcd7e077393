import { execFile } from 'node:child_process';
import { createRemoteJWKSet, exportPKCS8, jwtVerify } from 'jose';
import { latestAuditDetails } from '../support/audit-events.js';
import { type AssertionAlg, type ClientKey, clientKey } from '../support/client-keys.js';
import { type DpopKey, dpopKey, dpopProof } from '../support/dpop.js';
import { startSharedServer } from '../support/modes.js';
import { adminToken, type CreatedClient, createClient, introspect, requestToken } from '../support/oauth.js';
import { readmeVerifierBlocks } from '../support/readme.js';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, type TestServer } from '../support/server.js';

/**
 * Python clients and verifiers against a real server: Authlib as a private_key_jwt client (a second
 * client library beside openid-client), and the README's PyJWT resource-server code run as written.
 * Debian's python3 in isolated mode, so neither the user's site packages nor PYTHON* variables count;
 * .ci/run installs the Debian packages these need.
 */
const PYTHON = '/usr/bin/python3';
const PYTHON_MODULES = 'authlib, jwt, cryptography, requests';

function runPython<T>(script: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      PYTHON,
      ['-I', `test/e2e/python/${script}`],
      { env: {}, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${script}: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as T);
      },
    );
    child.stdin!.end(JSON.stringify(input));
  });
}

function assertPythonModules(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ['-I', '-c', `import ${PYTHON_MODULES}`], { env: {} }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${PYTHON} cannot import ${PYTHON_MODULES} (.ci/run installs them): ${stderr}`));
      else resolve();
    });
  });
}

let server: TestServer;
let admin: string;

beforeAll(async () => {
  await assertPythonModules();
  server = await startSharedServer();
  admin = await adminToken(server.url);
});

afterAll(async () => {
  await server?.stop();
});

describe('Authlib (Python) as a private_key_jwt client', () => {
  interface AuthlibAnswer {
    token?: { access_token: string; token_type: string; expires_in: number; scope: string };
    error?: string;
  }

  async function keyClient(key: ClientKey): Promise<string> {
    const client = await createClient(server.url, admin, {
      name: 'Python SOAR tool',
      role: 'read-only',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.jwk] },
    });
    return client.client_id;
  }

  /** Authlib signs with `key`, naming the key id `kid` (by default the key's own). */
  async function authlibToken(clientId: string, key: ClientKey, kid = key.kid): Promise<AuthlibAnswer> {
    return runPython<AuthlibAnswer>('authlib_client.py', {
      token_endpoint: `${server.url}/token`,
      client_id: clientId,
      private_key_pem: await exportPKCS8(key.privateKey),
      alg: key.alg,
      kid,
    });
  }

  it.each<AssertionAlg>(['RS256', 'ES256', 'EdDSA'])('gets a token with an %s key and no secret', async (alg) => {
    const key = await clientKey(alg);
    const clientId = await keyClient(key);
    const { token } = await authlibToken(clientId, key);
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 86400, scope: 'read' });
    const { payload } = await jwtVerify(token!.access_token, createRemoteJWKSet(new URL(`${server.url}/jwks`)), {
      issuer: server.url,
      typ: 'at+jwt',
    });
    expect(payload.client_id).toBe(clientId);
    const introspection = await introspect(server.url, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, token!.access_token);
    expect(introspection.body).toMatchObject({ active: true, client_id: clientId, jti: payload.jti });
  });

  it('is refused when it signs with another key under the registered key id', async () => {
    const registered = await clientKey('ES256');
    const clientId = await keyClient(registered);
    const stranger = await clientKey('ES256');
    expect(await authlibToken(clientId, stranger, registered.kid)).toEqual({
      error: 'invalid_client',
      description: expect.any(String),
    });
    expect(await latestAuditDetails(server.url, admin, 'token.denied', clientId)).toMatchObject({
      reason: 'invalid_signature',
      kid: registered.kid,
    });
  });
});

describe("the README's PyJWT verifiers, run as written", () => {
  type Verdict = { accepted: Record<string, unknown> } | { refused: string };
  type Case =
    | { verifier: 'bearer'; authorization: string; scope: string }
    | { verifier: 'dpop'; authorization: string; proof: string; method: string; url: string };

  const README_ISSUER = 'ISSUER = "http://localhost:3000"';
  const RESOURCE_URL = 'https://api.example.com/orders';

  /** The README's Python code blocks of "Verifying tokens in a resource server", in order. */
  function readmePython(): string {
    const blocks = readmeVerifierBlocks('python');
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toContain(README_ISSUER);
    return blocks.join('\n').replace(README_ISSUER, `ISSUER = ${JSON.stringify(server.url)}`);
  }

  function verify(cases: Case[]): Promise<Verdict[]> {
    return runPython<Verdict[]>('readme_verifier.py', { code: readmePython(), cases });
  }

  let analyst: CreatedClient;
  let readOnly: CreatedClient;

  beforeAll(async () => {
    analyst = await createClient(server.url, admin, { name: 'Python analyst', role: 'analyst' });
    readOnly = await createClient(server.url, admin, { name: 'Python reader', role: 'read-only' });
  });

  async function bearerToken(client: CreatedClient): Promise<string> {
    const { status, body } = await requestToken(server.url, client.client_id, client.client_secret);
    expect(status).toBe(200);
    return body.access_token as string;
  }

  async function dpopToken(key: DpopKey): Promise<string> {
    const proof = await dpopProof(key, { htu: `${server.url}/token` });
    const { status, body } = await requestToken(
      server.url,
      analyst.client_id,
      analyst.client_secret,
      {},
      { dpop: proof },
    );
    expect({ status, token_type: body.token_type }).toEqual({ status: 200, token_type: 'DPoP' });
    return body.access_token as string;
  }

  /** A proof for a GET of the resource, bound to `token` by its ath. */
  async function resourceProof(key: DpopKey, token: string, claims: Record<string, unknown> = {}): Promise<string> {
    const ath = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))).toString(
      'base64url',
    );
    return dpopProof(key, { htu: RESOURCE_URL, htm: 'GET', claims: { ath, ...claims } });
  }

  it('accepts a bearer token with the scope, refuses a missing scope and a tampered token', async () => {
    const token = await bearerToken(analyst);
    const narrow = await bearerToken(readOnly);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, scope: 'read write admin' })).toString('base64url')}.${signature}`;
    const verdicts = await verify([
      { verifier: 'bearer', authorization: `Bearer ${token}`, scope: 'write' },
      { verifier: 'bearer', authorization: `Bearer ${narrow}`, scope: 'write' },
      { verifier: 'bearer', authorization: `Bearer ${tampered}`, scope: 'read' },
    ]);
    expect(verdicts[0]).toEqual({
      accepted: expect.objectContaining({ client_id: analyst.client_id, scope: 'read write' }),
    });
    expect(verdicts[1]).toEqual({ refused: 'PermissionError: insufficient_scope' });
    expect(verdicts[2]).toEqual({ refused: expect.stringMatching(/^InvalidSignatureError/) });
  });

  it('refuses a DPoP-bound token in the bearer verifier, and checks its proof in the DPoP verifier', async () => {
    const key = await dpopKey('ES256');
    const thief = await dpopKey('ES256');
    const token = await dpopToken(key);
    const proof = await resourceProof(key, token);
    /** A call of the DPoP verifier for a GET of the resource with `token`, `proof` and `changes`. */
    const dpopCall = (proof: string, changes: Partial<Extract<Case, { verifier: 'dpop' }>> = {}): Case => ({
      verifier: 'dpop',
      authorization: `DPoP ${token}`,
      proof,
      method: 'GET',
      url: RESOURCE_URL,
      ...changes,
    });
    const verdicts = await verify([
      { verifier: 'bearer', authorization: `Bearer ${token}`, scope: 'read' },
      dpopCall(proof),
      dpopCall(proof),
      dpopCall(await resourceProof(key, token), { authorization: `Bearer ${token}` }),
      dpopCall(await resourceProof(thief, token)),
      dpopCall(await resourceProof(key, token), { method: 'POST' }),
      dpopCall(await resourceProof(key, 'another token')),
    ]);
    expect(verdicts).toEqual([
      { refused: expect.stringMatching(/^PermissionError: token bound to a key/) },
      { accepted: expect.objectContaining({ client_id: analyst.client_id, cnf: { jkt: key.jkt } }) },
      { refused: 'PermissionError: stale or replayed DPoP proof' },
      { refused: expect.stringMatching(/^PermissionError: a DPoP-bound token needs the DPoP scheme/) },
      { refused: 'PermissionError: token bound to another key' },
      { refused: 'PermissionError: DPoP proof for another request' },
      { refused: 'PermissionError: DPoP proof for another token' },
    ]);
  });
});
