import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { createConsoleHandler } from '../../src/console/serve.js';
import { temporaryDirectory } from '../support/server.js';

/** Written out, not imported from src, so a weakened policy fails here. */
const CONSOLE_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The server side of the console: a static handler over a built directory, nothing else. */

let built: string;
let server: Server;
let url: string;

async function serve(directory: string): Promise<{ server: Server; url: string }> {
  const handler = createConsoleHandler(directory);
  const listening = createServer(handler);
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return { server: listening, url: `http://127.0.0.1:${(listening.address() as { port: number }).port}` };
}

beforeAll(async () => {
  built = temporaryDirectory('console');
  mkdirSync(join(built, 'assets'));
  writeFileSync(
    join(built, 'index.html'),
    '<!doctype html><script type="module" src="/console/assets/app-1a2b.js"></script>',
  );
  writeFileSync(join(built, 'assets', 'app-1a2b.js'), 'export {};');
  writeFileSync(join(built, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  ({ server, url } = await serve(built));
});

afterAll(async () => {
  if (server) await new Promise((resolve) => server.close(resolve));
  rmSync(built, { recursive: true, force: true });
});

describe('the console handler', () => {
  it('answers every page path with index.html under the console policy, revalidated on each load', async () => {
    for (const path of [
      '/console',
      '/console/',
      '/console/clients',
      '/console/clients/tgc_abc',
      '/console/audit?type=token.denied',
    ]) {
      const response = await fetch(`${url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toBe(CONSOLE_CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.text()).toContain('/console/assets/app-1a2b.js');
    }
  });

  it('serves built files with their types, hashed assets as immutable', async () => {
    const script = await fetch(`${url}/console/assets/app-1a2b.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await script.text()).toBe('export {};');
    const icon = await fetch(`${url}/console/favicon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
    const head = await fetch(`${url}/console/clients`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers 404 for missing files, never index.html, and reads nothing outside the build', async () => {
    // Sent as raw request targets: fetch would resolve the dot segments before sending.
    for (const path of [
      '/console/assets/missing.js',
      '/console/index.htm',
      '/console/../package.json',
      '/console/%2e%2e/%2e%2e/package.json',
      '/console/assets/../../../src/main.ts',
    ]) {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        request(`${url}/`, { path }, (response) => {
          response.resume();
          resolve(response.statusCode);
        })
          .on('error', reject)
          .end();
      });
      expect([path, status]).toEqual([path, 404]);
    }
  });

  it('answers 405 to anything but GET and HEAD', async () => {
    const response = await fetch(`${url}/console/clients`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('says how to build the console when it is not built', async () => {
    const empty = temporaryDirectory('console-empty');
    const unbuilt = await serve(empty);
    try {
      const response = await fetch(`${unbuilt.url}/console`);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('npm run build');
    } finally {
      await new Promise((resolve) => unbuilt.server.close(resolve));
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
