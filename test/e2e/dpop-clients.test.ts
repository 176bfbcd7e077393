import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth4webapi from 'oauth4webapi';
import * as client from 'openid-client';
import { adminToken, type CreatedClient, createClient } from '../support/oauth.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * A resource server as its authors would write it, with oauth4webapi's validateJwtAccessToken
 * (requireDPoP): JWKS signature, iss, aud, exp, the DPoP proof (signature, htm, htu, ath, iat) and the
 * cnf.jkt match. oauth4webapi leaves proof replay to the resource server: it remembers each proof's jti.
 */
function startResourceServer(tollgate: TestServer): Promise<{ url: string; server: Server }> {
  const authorizationServer = { issuer: tollgate.config.issuer, jwks_uri: `${tollgate.config.issuer}/jwks` };
  const seenProofs = new Set<string>();
  const toRequest = (req: IncomingMessage, origin: string) =>
    new Request(`${origin}${req.url}`, {
      method: req.method,
      headers: Object.entries(req.headers).flatMap(([name, value]) =>
        value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value] as [string, string]],
      ),
    });
  const server = createServer(async (req, res) => {
    const { port } = server.address() as AddressInfo;
    try {
      const claims = await oauth4webapi.validateJwtAccessToken(
        authorizationServer,
        toRequest(req, `http://127.0.0.1:${port}`),
        tollgate.config.tokenAudience,
        { requireDPoP: true, [oauth4webapi.allowInsecureRequests]: true },
      );
      const proof = JSON.parse(Buffer.from(String(req.headers.dpop).split('.')[1]!, 'base64url').toString()) as {
        jti: string;
      };
      if (seenProofs.has(proof.jti)) throw new Error('DPoP proof replayed');
      seenProofs.add(proof.jti);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ client_id: claims.client_id }));
    } catch (error) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: (error as Error).message }));
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`, server }),
    ),
  );
}

describe('DPoP end to end: openid-client obtains a bound token, an oauth4webapi resource server accepts it', () => {
  let tollgate: TestServer;
  let resource: { url: string; server: Server };
  let soar: CreatedClient;
  let configuration: client.Configuration;

  beforeAll(async () => {
    // Nonces required, so the client library's use_dpop_nonce retry is exercised too.
    tollgate = await startTestServer({ DPOP_NONCE_REQUIRED: 'true' });
    resource = await startResourceServer(tollgate);
    soar = await createClient(tollgate.url, await adminToken(tollgate.url), {
      name: 'SOAR',
      role: 'analyst',
      dpop_bound_access_tokens: true,
    });
    configuration = await client.discovery(
      new URL(tollgate.url),
      soar.client_id,
      undefined,
      client.ClientSecretBasic(soar.client_secret),
      { execute: [client.allowInsecureRequests] },
    );
  });
  afterAll(async () => {
    await new Promise((resolve) => resource.server.close(resolve));
    await tollgate.stop();
  });

  it('advertises the DPoP algorithms in discovery', () => {
    expect(configuration.serverMetadata().dpop_signing_alg_values_supported).toEqual([
      'ES256',
      'EdDSA',
      'RS256',
      'PS256',
    ]);
  });

  /** A GET of the resource server with the token and a proof of `dpop`'s key, as openid-client sends it. */
  const getResource = (accessToken: string, dpop: client.DPoPHandle) =>
    client.fetchProtectedResource(configuration, accessToken, new URL(resource.url), 'GET', undefined, undefined, {
      DPoP: dpop,
    });

  it('gets a DPoP token (after the nonce retry) that works with the right proof only', async () => {
    const dpop = client.getDPoPHandle(configuration, await client.randomDPoPKeyPair('ES256'));
    const tokens = await client.clientCredentialsGrant(configuration, {}, { DPoP: dpop });
    expect(tokens.token_type).toBe('dpop');

    const withProof = await getResource(tokens.access_token, dpop);
    expect(withProof.status).toBe(200);
    expect(await withProof.json()).toEqual({ client_id: soar.client_id });

    // A thief with the token alone: as a bearer token, and with a proof of its own key.
    const asBearer = await fetch(resource.url, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(asBearer.status).toBe(401);
    const thief = client.getDPoPHandle(configuration, await client.randomDPoPKeyPair('ES256'));
    const withOtherKey = await getResource(tokens.access_token, thief);
    expect(withOtherKey.status).toBe(401);
    expect(((await withOtherKey.json()) as { error: string }).error).toMatch(/confirmation mismatch/);
  });

  it('is refused a token without a proof: the client is registered with dpop_bound_access_tokens', async () => {
    await expect(client.clientCredentialsGrant(configuration)).rejects.toMatchObject({
      error: 'invalid_dpop_proof',
    });
  });
});
