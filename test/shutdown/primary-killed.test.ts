import { rmSync } from 'node:fs';
import { adminToken, createClient } from '../support/oauth.js';
import { pollUntil, waitFor } from '../support/poll.js';
import { isRunning, logCount, spawnTollgate, type Tollgate } from '../support/processes.js';
import { temporaryDirectory } from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';
import { startSlowTokenRequest } from '../support/slow-request.js';

/** The pids of the workers that have logged that they listen. */
function workerPids(tollgate: Tollgate): number[] {
  return [...tollgate.process.output().matchAll(/"pid":(\d+),[^\n]*"msg":"listening"/g)].map((match) =>
    Number(match[1]),
  );
}

describe('a cluster whose primary is killed (SIGKILL)', () => {
  let database: TestDatabase;
  const keysDir = temporaryDirectory('keys');
  let tollgate: Tollgate | undefined;
  let workers: number[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    for (const pid of [tollgate?.process.child.pid ?? 0, ...workers].filter((pid) => pid && isRunning(pid)))
      process.kill(pid, 'SIGKILL');
    rmSync(keysDir, { recursive: true, force: true });
    await database?.drop();
  });

  it('each worker drains like on SIGTERM (its request in flight still gets its token) and exits: none outlives the primary', async () => {
    const started = await spawnTollgate({ DATABASE_URL: database.url, REDIS_URL, WORKERS: '2', KEYS_DIR: keysDir });
    tollgate = started;
    workers = await waitFor(
      'both workers to listen',
      20_000,
      async () => workerPids(started).length === 2 && workerPids(started),
    );
    const client = await createClient(started.url, await adminToken(started.url), {
      name: 'in flight',
      role: 'read-only',
    });
    const slow = startSlowTokenRequest(started.port, client);
    await slow.inFlight;

    started.process.child.kill('SIGKILL');
    await waitFor('both workers to start draining', 10_000, async () => logCount(started, 'shutting down') === 2);
    slow.finish();
    const raw = await slow.response;
    expect(raw).toMatch(/\r\n\r\nHTTP\/1\.1 200 /);
    expect(raw).toContain('"access_token"');
    expect(started.process.output()).toContain('"reason":"the primary process is gone"');

    const stillRunning = await pollUntil(
      async () => workers.filter(isRunning),
      (pids) => pids.length === 0,
      15_000,
    );
    expect(stillRunning).toEqual([]);
  }, 60_000);
});
