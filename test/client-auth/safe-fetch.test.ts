import { createServer, type Server } from 'node:http';
import { KeySource } from '../../src/client-auth/key-source.js';
import { SafeFetcher } from '../../src/client-auth/safe-fetch.js';
import { clientKey } from '../support/client-keys.js';
import { freePort } from '../support/server.js';

/** A server whose answer each test sets, counting requests. */
let server: Server;
let host: string;
let answer: (res: import('node:http').ServerResponse) => void;
let requests = 0;

beforeAll(async () => {
  const port = await freePort();
  host = `127.0.0.1:${port}`;
  server = createServer((_req, res) => {
    requests += 1;
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const allowed = () => new SafeFetcher({ allowedHosts: [host], timeoutMs: 300, maxBytes: 1024 });
const json =
  (body: unknown, headers: Record<string, string> = {}) =>
  (res: import('node:http').ServerResponse) =>
    res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

describe('SafeFetcher', () => {
  it('fetches JSON from an allowed host and reads Cache-Control max-age', async () => {
    answer = json({ keys: [] }, { 'cache-control': 'public, max-age=120' });
    expect(await allowed().json(`http://${host}/jwks`)).toEqual({ body: { keys: [] }, maxAgeSeconds: 120 });
  });

  it.each([
    ['http to a host that is not allowed', 'http://keys.example/jwks', 'not_https'],
    ['a loopback literal', 'https://127.0.0.1/jwks', 'refused_address'],
    ['the metadata address', 'https://169.254.169.254/latest', 'refused_address'],
    ['a private literal', 'https://10.1.2.3/jwks', 'refused_address'],
    ['an IPv6 unique-local literal', 'https://[fd00:ec2::254]/jwks', 'refused_address'],
    ['an IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/jwks', 'refused_address'],
    ['a name that resolves to loopback (checked after DNS resolution)', 'https://localhost/jwks', 'refused_address'],
  ])('refuses %s', async (_what, url, failure) => {
    const fetcher = new SafeFetcher({ allowedHosts: [] });
    await expect(fetcher.json(url)).rejects.toMatchObject({ failure });
  });

  it('does not follow redirects', async () => {
    answer = (res) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
    await expect(allowed().json(`http://${host}/jwks`)).rejects.toMatchObject({ failure: 'redirect' });
  });

  it('refuses a body over the size limit, declared or streamed', async () => {
    answer = json({ padding: 'x'.repeat(4096) });
    await expect(allowed().json(`http://${host}/jwks`)).rejects.toMatchObject({ failure: 'too_large' });
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"padding":"${'x'.repeat(2048)}`);
      res.end('"}');
    };
    await expect(allowed().json(`http://${host}/jwks`)).rejects.toMatchObject({ failure: 'too_large' });
  });

  it('gives up after the timeout', async () => {
    answer = () => undefined;
    await expect(allowed().json(`http://${host}/jwks`)).rejects.toMatchObject({ failure: 'timeout' });
  });

  it('refuses an error status and a body that is not JSON', async () => {
    answer = (res) => res.writeHead(500).end();
    await expect(allowed().json(`http://${host}/jwks`)).rejects.toMatchObject({ failure: 'http_status' });
    answer = (res) => res.writeHead(200).end('<html>');
    await expect(allowed().json(`http://${host}/jwks`)).rejects.toMatchObject({ failure: 'not_json' });
  });
});

describe('KeySource', () => {
  it('caches a key set for its max-age, at least 60 s (no-store does not mean every request)', async () => {
    const key = await clientKey('ES256');
    answer = json({ keys: [key.jwk] }, { 'cache-control': 'no-store' });
    const keys = new KeySource(allowed()).remote(`http://${host}/cached`, 'client-a');
    const before = requests;
    for (let i = 0; i < 3; i += 1) await keys({ alg: 'ES256', kid: key.kid }, undefined as never);
    expect(requests - before).toBe(1);
  });

  it('refetches at most once per interval per client on an unknown kid', async () => {
    const key = await clientKey('ES256');
    answer = json({ keys: [key.jwk] });
    const source = new KeySource(allowed());
    const keys = source.remote(`http://${host}/rotating`, 'client-b');
    const before = requests;
    await keys({ alg: 'ES256', kid: key.kid }, undefined as never);
    for (let i = 0; i < 3; i += 1)
      await expect(keys({ alg: 'ES256', kid: 'unknown' }, undefined as never)).rejects.toMatchObject({
        code: 'ERR_JWKS_NO_MATCHING_KEY',
      });
    expect(requests - before).toBe(2);
  });
});
