import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export type AssertionAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

export interface ClientKey {
  readonly alg: AssertionAlg;
  readonly kid: string;
  readonly privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  /** The public JWK, with kid, alg and use. */
  readonly jwk: JWK;
}

export async function clientKey(
  alg: AssertionAlg,
  kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`,
): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A signed JWT with the given claims (nothing is added); `header` overrides the protected header. */
function signJwt(key: ClientKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

/** A valid private_key_jwt assertion for `clientId` at `issuer`, with `overrides` applied. */
export function assertionFor(
  key: ClientKey,
  clientId: string,
  issuer: string,
  overrides: JWTPayload = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(key, {
    iss: clientId,
    sub: clientId,
    aud: issuer,
    iat: now,
    exp: now + 60,
    jti: randomUUID(),
    ...overrides,
  });
}

export interface DocumentServer {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  /** The host, for CLIENT_KEYS_ALLOWED_HOSTS. */
  readonly host: string;
  /** Serves `body` as JSON at `path`, with extra headers. */
  serve(path: string, body: unknown, headers?: Record<string, string>): void;
  /** GETs received per path. */
  hits(path: string): number;
  close(): Promise<void>;
}

/** A small http server serving JSON documents (a JWKS, a discovery document) on a fixed port. */
export async function startDocumentServer(port: number): Promise<DocumentServer> {
  const documents = new Map<string, { body: string; headers: Record<string, string> }>();
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const document = documents.get(path);
    if (!document) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', ...document.headers }).end(document.body);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    serve: (path, body, headers = {}) => documents.set(path, { body: JSON.stringify(body), headers }),
    hits: (path) => counts.get(path) ?? 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
