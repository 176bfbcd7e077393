import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { initializeDataDir } from '../support/embedded-data.js';
import { sample } from '../support/metrics.js';
import { adminToken, type CreatedClient, createClient } from '../support/oauth.js';
import { waitFor } from '../support/poll.js';
import { logCount, spawnTollgate, type Tollgate } from '../support/processes.js';
import { temporaryDirectory } from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';
import { startSlowTokenRequest } from '../support/slow-request.js';

/** A token request over a fresh connection, so the cluster's round robin spreads them over the workers. */
function freshConnectionTokenRequest(url: string, client: CreatedClient): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
    }).toString();
    const req = request(
      `${url}/token`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode!));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * SIGTERM while one request is mid-body and another connection idles with keep-alive: the request must
 * complete with its token, and the process must exit 0 within the 10 s that orchestrators allow.
 */
async function expectGracefulStop(tollgate: Tollgate, client: CreatedClient, processes: number): Promise<void> {
  expect((await fetch(`${tollgate.url}/healthz`)).status).toBe(200);
  const slow = startSlowTokenRequest(tollgate.port, client);
  await slow.inFlight;
  const exitCode = tollgate.process.stop();
  await waitFor(
    'every process to begin shutting down',
    10_000,
    async () => logCount(tollgate, 'shutting down') === processes,
  );
  slow.finish();
  const raw = await slow.response;
  expect(raw).toMatch(/\r\n\r\nHTTP\/1\.1 200 /);
  expect(raw).toContain('"access_token"');
  const code = await Promise.race([
    exitCode,
    new Promise<string>((resolve) => setTimeout(() => resolve('still running after 10 s'), 10_000).unref()),
  ]);
  expect(code).toBe(0);
}

describe('SIGTERM on the compiled server', () => {
  let database: TestDatabase;
  const directories: string[] = [];
  const started: Tollgate[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    for (const tollgate of started)
      if (tollgate.process.child.exitCode === null) tollgate.process.child.kill('SIGKILL');
    for (const dir of directories) rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  });

  it('single process (embedded default): finishes the request in flight, closes idle connections, exits 0', async () => {
    const dataDir = temporaryDirectory('data');
    const keysDir = temporaryDirectory('keys');
    directories.push(dataDir, keysDir);
    await initializeDataDir(dataDir);
    const tollgate = await spawnTollgate({ DATA_DIR: dataDir, KEYS_DIR: keysDir });
    started.push(tollgate);
    const client = await createClient(tollgate.url, await adminToken(tollgate.url), {
      name: 'slow',
      role: 'read-only',
    });
    await expectGracefulStop(tollgate, client, 1);
  });

  it('cluster of two workers: one coherent /metrics for the whole cluster, then a graceful stop with exit 0', async () => {
    const keysDir = temporaryDirectory('keys');
    directories.push(keysDir);
    const tollgate = await spawnTollgate({ DATABASE_URL: database.url, REDIS_URL, WORKERS: '2', KEYS_DIR: keysDir });
    started.push(tollgate);
    await waitFor('both workers to listen', 20_000, async () => logCount(tollgate, 'listening') === 2);
    const client = await createClient(tollgate.url, await adminToken(tollgate.url), {
      name: 'clustered',
      role: 'read-only',
    });
    for (let i = 0; i < 4; i += 1) expect(await freshConnectionTokenRequest(tollgate.url, client)).toBe(200);
    // Scrapes over fresh connections land on different workers; each must report the whole cluster.
    for (let i = 0; i < 3; i += 1) {
      const text = await new Promise<string>((resolve, reject) => {
        request(`${tollgate.url}/metrics`, { agent: false }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.once('end', () => resolve(body));
        })
          .once('error', reject)
          .end();
      });
      expect(sample(text, 'tollgate_token_requests_total{result="issued"}')).toBe(5);
    }
    await expectGracefulStop(tollgate, client, 3);
  });
});
