import { createHash, X509Certificate } from 'node:crypto';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { loadConfig } from '../../src/config/config.js';
import { CertificateFactory, type Credential } from '../support/certificates.js';
import { adminToken, basicAuth, type CreatedClient, claimsOf, createClient, requestToken } from '../support/oauth.js';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, freePort, startTestServer, type TestServer } from '../support/server.js';

const certificates = new CertificateFactory();
const serverCa = certificates.selfSigned('server-ca', '/CN=Test server CA', { ca: true });
const serverCert = certificates.issued('server', '/CN=localhost', serverCa, [
  'subjectAltName=DNS:localhost,IP:127.0.0.1',
]);
const clientCa = certificates.selfSigned('client-ca', '/CN=Test client CA', { ca: true });
const soarCert = certificates.issued('soar', '/CN=soar/O=Example', clientCa);
const otherCert = certificates.issued('other', '/CN=other/O=Example', clientCa, [
  'subjectAltName=DNS:other.example,URI:spiffe://example/other,IP:10.0.0.7,email:other@example.com',
]);
const rogueCa = certificates.selfSigned('rogue-ca', '/CN=Rogue CA', { ca: true });
const rogueSoar = certificates.issued('rogue-soar', '/CN=soar/O=Example', rogueCa);
const selfSigned = certificates.selfSigned('self-signed', '/CN=self-signed workload');
const otherSelfSigned = certificates.selfSigned('other-self-signed', '/CN=self-signed workload');

/** Tollgate serving HTTPS with the test server certificate, accepting client certificates of the client CA. */
async function startHttpsServer(): Promise<TestServer> {
  const port = await freePort();
  return startTestServer({
    PORT: String(port),
    ISSUER: `https://localhost:${port}`,
    TLS_CERT_FILE: serverCert.certFile,
    TLS_KEY_FILE: serverCert.keyFile,
    TLS_CLIENT_CA_FILE: clientCa.certFile,
  });
}

/** An undici agent that trusts the test server CA and presents `credential`, if any. */
function agentWith(credential?: Credential): Agent {
  return new Agent({
    connect: { ca: serverCa.cert, ...(credential ? { cert: credential.cert, key: credential.key } : {}) },
  });
}

/** openid-client over that agent: what a client library does for mTLS (RFC 8705) in Node. */
function fetchVia(agent: Agent): client.CustomFetch {
  return (url, options) =>
    undiciFetch(url, { ...(options as object), dispatcher: agent }) as unknown as ReturnType<client.CustomFetch>;
}

async function tokenResponse(tollgate: TestServer, caller: { client_id: string; client_secret: string }, agent: Agent) {
  const response = await undiciFetch(`${tollgate.config.issuer}/token`, {
    method: 'POST',
    dispatcher: agent,
    headers: {
      authorization: basicAuth(caller.client_id, caller.client_secret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('certificate-bound tokens over HTTPS (RFC 8705 §3)', () => {
  let tollgate: TestServer;
  let admin: string;
  let bound: CreatedClient;
  const soarAgent = agentWith(soarCert);
  const anonymousAgent = agentWith();

  beforeAll(async () => {
    tollgate = await startHttpsServer();
    admin = await adminTokenOver(tollgate, anonymousAgent);
    bound = await createClientOver(tollgate, admin, anonymousAgent, {
      name: 'SOAR',
      role: 'analyst',
      tls_client_certificate_bound_access_tokens: true,
    });
  });
  afterAll(async () => {
    await Promise.all([soarAgent.close(), anonymousAgent.close()]);
    await tollgate.stop();
  });

  it('advertises certificate-bound tokens and the mTLS endpoint aliases', async () => {
    const metadata = (await (
      await undiciFetch(`${tollgate.config.issuer}/.well-known/oauth-authorization-server`, {
        dispatcher: anonymousAgent,
      })
    ).json()) as Record<string, unknown>;
    expect(metadata.tls_client_certificate_bound_access_tokens).toBe(true);
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['tls_client_auth', 'self_signed_tls_client_auth']),
    );
    expect(metadata.mtls_endpoint_aliases).toEqual({
      token_endpoint: `${tollgate.config.issuer}/token`,
      introspection_endpoint: `${tollgate.config.issuer}/token/introspection`,
      revocation_endpoint: `${tollgate.config.issuer}/token/revocation`,
    });
  });

  it('binds the token openid-client obtains over mTLS to its certificate, and introspection says so', async () => {
    const configuration = await client.discovery(
      new URL(tollgate.config.issuer),
      bound.client_id,
      { use_mtls_endpoint_aliases: true },
      client.ClientSecretBasic(bound.client_secret),
      { [client.customFetch]: fetchVia(soarAgent) },
    );
    const tokens = await client.clientCredentialsGrant(configuration);
    expect(tokens.token_type).toBe('bearer');
    expect(claimsOf(tokens.access_token).cnf).toEqual({ 'x5t#S256': soarCert.thumbprint });
    const introspection = await client.tokenIntrospection(configuration, tokens.access_token);
    expect(introspection).toMatchObject({
      active: true,
      token_type: 'Bearer',
      cnf: { 'x5t#S256': soarCert.thumbprint },
    });
  });

  it('refuses a bound client that comes without a certificate', async () => {
    const { status, body } = await tokenResponse(tollgate, bound, anonymousAgent);
    expect({ status, error: body.error }).toEqual({ status: 400, error: 'invalid_request' });
  });

  it('serves clients without a certificate as before: certificates are requested, not required', async () => {
    const plain = await createClientOver(tollgate, admin, anonymousAgent, { name: 'plain', role: 'analyst' });
    const { status, body } = await tokenResponse(tollgate, plain, anonymousAgent);
    expect(status).toBe(200);
    expect(claimsOf(body.access_token as string).cnf).toBeUndefined();
  });

  it('gives a resource server what it needs to refuse the token over any other certificate', async () => {
    const { body } = await tokenResponse(tollgate, bound, soarAgent);
    const resource = await startCertificateCheckingResourceServer(tollgate);
    try {
      const call = (credential: Credential) =>
        undiciFetch(resource.url, {
          dispatcher: agentWith(credential),
          headers: { authorization: `Bearer ${body.access_token as string}` },
        }).then((response) => response.status);
      expect(await call(soarCert)).toBe(200);
      expect(await call(otherCert)).toBe(401);
    } finally {
      await new Promise((resolve) => resource.server.close(resolve));
    }
  });
});

describe('mTLS client authentication (RFC 8705 §2)', () => {
  let tollgate: TestServer;
  let admin: string;
  const anonymous = agentWith();
  const as = (credential: Credential) => agentWith(credential);

  beforeAll(async () => {
    tollgate = await startHttpsServer();
    admin = await adminTokenOver(tollgate, anonymous);
  });
  afterAll(async () => {
    await anonymous.close();
    await tollgate.stop();
  });

  const tlsClient = (fields: Record<string, unknown>) =>
    createClientOver(tollgate, admin, anonymous, { name: 'mTLS client', role: 'analyst', ...fields });
  const requestAs = async (clientId: string, agent: Agent) => {
    const response = await undiciFetch(`${tollgate.config.issuer}/token`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId }).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const expectInvalidClient = (result: { status: number; body: Record<string, unknown> }) =>
    expect({ status: result.status, error: result.body.error }).toEqual({ status: 401, error: 'invalid_client' });

  it('issues a certificate-bound token to openid-client with TlsClientAuth (tls_client_auth, subject DN)', async () => {
    const soar = await tlsClient({
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=soar,O=Example',
      tls_client_certificate_bound_access_tokens: true,
    });
    expect(soar.client_secret).toBeUndefined();
    const configuration = await client.discovery(
      new URL(tollgate.config.issuer),
      soar.client_id,
      { use_mtls_endpoint_aliases: true },
      client.TlsClientAuth(),
      { [client.customFetch]: fetchVia(as(soarCert)) },
    );
    const tokens = await client.clientCredentialsGrant(configuration);
    expect(claimsOf(tokens.access_token).cnf).toEqual({ 'x5t#S256': soarCert.thumbprint });
  });

  it('matches each kind of SAN', async () => {
    for (const [field, value] of [
      ['tls_client_auth_san_dns', 'OTHER.example'],
      ['tls_client_auth_san_uri', 'spiffe://example/other'],
      ['tls_client_auth_san_ip', '10.0.0.7'],
      ['tls_client_auth_san_email', 'other@example.com'],
    ] as const) {
      const registered = await tlsClient({ token_endpoint_auth_method: 'tls_client_auth', [field]: value });
      expect({ field, status: (await requestAs(registered.client_id, as(otherCert))).status }).toEqual({
        field,
        status: 200,
      });
      expectInvalidClient(await requestAs(registered.client_id, as(soarCert)));
    }
  });

  it('refuses tls_client_auth without a certificate', async () => {
    const soar = await tlsClient({
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=soar,O=Example',
    });
    expectInvalidClient(await requestAs(soar.client_id, anonymous));
  });

  it('refuses a certificate from another CA, even with the right subject', async () => {
    const soar = await tlsClient({
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=soar,O=Example',
    });
    expectInvalidClient(await requestAs(soar.client_id, as(rogueSoar)));
  });

  it('refuses a certificate with another subject', async () => {
    const soar = await tlsClient({
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=soar,O=Example',
    });
    expectInvalidClient(await requestAs(soar.client_id, as(otherCert)));
  });

  it('authenticates self_signed_tls_client_auth by the public key in jwks, and nothing else', async () => {
    const jwk = new X509Certificate(selfSigned.cert).publicKey.export({ format: 'jwk' });
    const workload = await tlsClient({
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [jwk] },
    });
    expect((await requestAs(workload.client_id, as(selfSigned))).status).toBe(200);
    expectInvalidClient(await requestAs(workload.client_id, as(otherSelfSigned)));
    expectInvalidClient(await requestAs(workload.client_id, anonymous));
  });

  it('refuses a secret client that sends only its client_id over mTLS', async () => {
    const secretClient = await tlsClient({});
    expectInvalidClient(await requestAs(secretClient.client_id, as(soarCert)));
  });

  it('requires exactly one tls_client_auth_* field, naming it', async () => {
    const response = await undiciFetch(`${tollgate.config.issuer}/api/v1/clients`, {
      method: 'POST',
      dispatcher: anonymous,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'two names',
        role: 'analyst',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=soar,O=Example',
        tls_client_auth_san_dns: 'soar.example',
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('tls_client_auth_subject_dn');
  });
});

/**
 * A resource server as the README shows it: jose verifies the JWT through the JWKS, then the thumbprint
 * of the TLS client certificate must equal the token's cnf x5t#S256 (RFC 8705 §3.2).
 */
async function startCertificateCheckingResourceServer(tollgate: TestServer): Promise<{ url: string; server: Server }> {
  const dispatcher = agentWith();
  // jose fetches the JWKS with the global fetch; here it is served over HTTPS under a test CA.
  const keys = createRemoteJWKSet(new URL(`${tollgate.config.issuer}/jwks`), {
    [customFetch]: ((url: string, options: object) =>
      undiciFetch(url, { ...options, dispatcher })) as unknown as typeof fetch,
  });
  const server = createHttpsServer(
    { cert: serverCert.cert, key: serverCert.key, ca: clientCa.cert, requestCert: true, rejectUnauthorized: true },
    async (req, res) => {
      try {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        const { payload } = await jwtVerify(token, keys, {
          issuer: tollgate.config.issuer,
          audience: tollgate.config.tokenAudience,
          typ: 'at+jwt',
        });
        const presented = (req.socket as TLSSocket).getPeerX509Certificate();
        const thumbprint = presented && createHash('sha256').update(presented.raw).digest('base64url');
        const cnf = payload.cnf as Record<string, string> | undefined;
        if (cnf?.['x5t#S256'] === undefined || cnf['x5t#S256'] !== thumbprint) throw new Error('certificate mismatch');
        res.writeHead(200).end();
      } catch {
        res.writeHead(401).end();
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `https://localhost:${(server.address() as AddressInfo).port}/orders`, server };
}

async function adminTokenOver(tollgate: TestServer, agent: Agent): Promise<string> {
  const { status, body } = await tokenResponse(
    tollgate,
    { client_id: ADMIN_CLIENT_ID, client_secret: ADMIN_CLIENT_SECRET },
    agent,
  );
  if (status !== 200) throw new Error(`admin token: ${status}`);
  return body.access_token as string;
}

async function createClientOver(
  tollgate: TestServer,
  token: string,
  agent: Agent,
  fields: Record<string, unknown>,
): Promise<CreatedClient> {
  const response = await undiciFetch(`${tollgate.config.issuer}/api/v1/clients`, {
    method: 'POST',
    dispatcher: agent,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(fields),
  });
  if (response.status !== 201) throw new Error(`client creation: ${response.status}`);
  return (await response.json()) as CreatedClient;
}

describe('a client certificate forwarded by a TLS-terminating proxy (Client-Cert, RFC 9440)', () => {
  const der = (credential: Credential) => new X509Certificate(credential.cert).raw.toString('base64');
  const requestWith = (tollgate: TestServer, caller: CreatedClient, header: string) =>
    requestToken(tollgate.url, caller.client_id, caller.client_secret, {}, { 'client-cert': header });

  describe('from a proxy TRUST_PROXY lists', () => {
    let tollgate: TestServer;
    let bound: CreatedClient;

    beforeAll(async () => {
      tollgate = await startTestServer({ TRUST_PROXY: '127.0.0.1', TRUST_PROXY_CLIENT_CERT: 'true' });
      bound = await createClient(tollgate.url, await adminToken(tollgate.url), {
        name: 'behind nginx',
        role: 'analyst',
        tls_client_certificate_bound_access_tokens: true,
      });
    });
    afterAll(() => tollgate.stop());

    it('binds the token to the certificate in RFC 9440 form', async () => {
      const { status, body } = await requestWith(tollgate, bound, `:${der(soarCert)}:`);
      expect(status).toBe(200);
      expect(claimsOf(body.access_token as string).cnf).toEqual({ 'x5t#S256': soarCert.thumbprint });
    });

    it("binds the token to the certificate as nginx's $ssl_client_escaped_cert sends it", async () => {
      const { status, body } = await requestWith(tollgate, bound, encodeURIComponent(otherCert.cert));
      expect(status).toBe(200);
      expect(claimsOf(body.access_token as string).cnf).toEqual({ 'x5t#S256': otherCert.thumbprint });
    });

    it('refuses a bound client when the proxy forwards no certificate, or junk', async () => {
      for (const header of ['', ':bm90IGEgY2VydGlmaWNhdGU=:', 'junk']) {
        const { status, body } = await requestWith(tollgate, bound, header);
        expect({ header, status, error: body.error }).toEqual({ header, status: 400, error: 'invalid_request' });
      }
    });
  });

  it('ignores the header from an address TRUST_PROXY does not list', async () => {
    const tollgate = await startTestServer({ TRUST_PROXY: '10.1.2.3', TRUST_PROXY_CLIENT_CERT: 'true' });
    try {
      const bound = await createClient(tollgate.url, await adminToken(tollgate.url), {
        name: 'forger',
        role: 'analyst',
        tls_client_certificate_bound_access_tokens: true,
      });
      const { status, body } = await requestWith(tollgate, bound, `:${der(soarCert)}:`);
      expect({ status, error: body.error }).toEqual({ status: 400, error: 'invalid_request' });
    } finally {
      await tollgate.stop();
    }
  });

  it('is refused at startup unless TRUST_PROXY lists the proxies by address', () => {
    for (const trustProxy of ['true', '1', 'false']) {
      expect(() => loadConfig({ TRUST_PROXY: trustProxy, TRUST_PROXY_CLIENT_CERT: 'true' })).toThrow(
        /^TRUST_PROXY_CLIENT_CERT: /,
      );
    }
  });
});
