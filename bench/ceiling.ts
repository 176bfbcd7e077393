/**
 * The benchmark's ceilings: what this machine can do at most, with nothing around the cryptography.
 * A bare node:http cluster (one worker per core, as Tollgate in shared mode) serving
 *   POST /token                  checks Basic credentials against one constant client and signs a JWT with
 *                                Tollgate's claims: RSA on the libuv pool (crypto.sign with a callback), EC and
 *                                EdDSA inline. No sessions, database, audit, logging or limits.
 *   POST /token/introspection    checks Basic credentials, verifies the JWT in `token` and does one Redis GET
 *                                (`<SESSION_PREFIX><jti>`): active when the key exists.
 *   GET  /jwks                   readiness.
 * Run as a child process: PORT, ALG, CLIENT_ID, CLIENT_SECRET, REDIS_URL, SESSION_PREFIX from the environment.
 * The primary makes the key and hands it to the workers, so every worker verifies what any worker signed.
 */
import cluster from 'node:cluster';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { Redis } from 'ioredis';

const {
  PORT = '4200',
  ALG = 'RS256',
  CLIENT_ID = 'bench',
  CLIENT_SECRET = 'bench-secret',
  REDIS_URL = 'redis://127.0.0.1:6379',
  SESSION_PREFIX = 'tg-bench-ceiling:s:',
  CEILING_KEY,
} = process.env;

function generatePem(alg: string): string {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

if (cluster.isPrimary) {
  const key = generatePem(ALG);
  for (let i = 0; i < availableParallelism(); i += 1) cluster.fork({ CEILING_KEY: key });
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.on(signal, () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
      process.exit(0);
    });
} else {
  serveWorker(CEILING_KEY!);
}

function serveWorker(pem: string): void {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const digest = ALG === 'EdDSA' ? null : 'sha256';
  const options = ALG === 'ES256' ? { dsaEncoding: 'ieee-p1363' as const } : {};
  const offload = ALG === 'RS256';
  const expected = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
  const header = Buffer.from(JSON.stringify({ typ: 'at+jwt', alg: ALG, kid: 'ceiling' })).toString('base64url');
  const issuer = `http://127.0.0.1:${PORT}`;
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true });

  const send = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(body);
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => resolve(body));
    });

  function signToken(res: ServerResponse): void {
    const iat = Math.floor(Date.now() / 1000);
    const claims = {
      iss: issuer,
      sub: CLIENT_ID,
      client_id: CLIENT_ID,
      aud: 'http://localhost/api',
      scope: 'read write',
      role: 'analyst',
      jti: randomUUID(),
      iat,
      exp: iat + 86_400,
    };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const answer = (signature: Buffer) =>
      send(
        res,
        200,
        JSON.stringify({
          access_token: `${input}.${signature.toString('base64url')}`,
          token_type: 'Bearer',
          expires_in: 86_400,
          scope: claims.scope,
        }),
      );
    const keyInput = { ...options, key: privateKey };
    if (!offload) {
      answer(sign(digest, Buffer.from(input), keyInput));
      return;
    }
    sign(digest, Buffer.from(input), keyInput, (error, signature) => {
      if (error) send(res, 500, '{"error":"server_error"}');
      else answer(signature);
    });
  }

  async function introspect(body: string, res: ServerResponse): Promise<void> {
    const token = new URLSearchParams(body).get('token') ?? '';
    const [head, payload, signature] = token.split('.');
    if (!head || !payload || !signature) return send(res, 200, '{"active":false}');
    const valid = verify(
      digest,
      Buffer.from(`${head}.${payload}`),
      { ...options, key: publicKey },
      Buffer.from(signature, 'base64url'),
    );
    if (!valid) return send(res, 200, '{"active":false}');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const session = await redis.get(`${SESSION_PREFIX}${String(claims.jti)}`);
    send(
      res,
      200,
      session === null ? '{"active":false}' : JSON.stringify({ active: true, ...claims, token_type: 'Bearer' }),
    );
  }

  createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    if (req.url === '/jwks') return send(res, 200, '{"keys":[]}');
    if (req.headers.authorization !== expected) return send(res, 401, '{"error":"invalid_client"}');
    void readBody(req)
      .then((body) => {
        if (req.url === '/token') signToken(res);
        else if (req.url === '/token/introspection') return introspect(body, res);
        else send(res, 404, '{}');
      })
      .catch(() => send(res, 503, '{"error":"temporarily_unavailable"}'));
  }).listen(Number(PORT), '127.0.0.1');
}
