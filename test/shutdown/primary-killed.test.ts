import { rmSync } from 'node:fs';
import { adminToken, createClient } from '../support/oauth.js';
import { pollUntil, waitFor } from '../support/poll.js';
import { isRunning, logCount, spawnTollgate, type Tollgate } from '../support/processes.js';
import { temporaryDirectory } from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';
import { startSlowTokenRequest } from '../support/slow-request.js';

/** The pids of the workers that have logged that they listen. */
function workerPids(tollgate: Tollgate): number[] {
  return [...tollgate.process.output().matchAll(/"pid":(\d+),[^\n]*"msg":"listening"/g)].map((match) => Number(match[1]));
}

describe('a cluster whose primary is killed (SIGKILL)', () => {
  let database: TestDatabase;
  const keysDir = temporaryDirectory('keys');
  let workers: number[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    for (const pid of workers.filter(isRunning)) process.kill(pid, 'SIGKILL');
    rmSync(keysDir, { recursive: true, force: true });
    await database.drop();
  });

  it('each worker drains like on SIGTERM (its request in flight still gets its token) and exits: none outlives the primary', async () => {
    const tollgate = await spawnTollgate({ DATABASE_URL: database.url, REDIS_URL, WORKERS: '2', KEYS_DIR: keysDir });
    workers = await waitFor('both workers to listen', 20_000, async () => workerPids(tollgate).length === 2 && workerPids(tollgate));
    const client = await createClient(tollgate.url, await adminToken(tollgate.url), { name: 'in flight', role: 'read-only' });
    const slow = startSlowTokenRequest(tollgate.port, client);
    await slow.inFlight;

    tollgate.process.child.kill('SIGKILL');
    await waitFor('both workers to start draining', 10_000, async () => logCount(tollgate, 'shutting down') === 2);
    slow.finish();
    const raw = await slow.response;
    expect(raw).toMatch(/\r\n\r\nHTTP\/1\.1 200 /);
    expect(raw).toContain('"access_token"');
    expect(tollgate.process.output()).toContain('"reason":"the primary process is gone"');

    const stillRunning = await pollUntil(async () => workers.filter(isRunning), (pids) => pids.length === 0, 15_000);
    expect(stillRunning).toEqual([]);
  }, 60_000);
});
