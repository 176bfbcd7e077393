import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { adminToken } from '../support/oauth.js';
import { spawnTollgate, type Tollgate } from '../support/processes.js';
import { temporaryDirectory } from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';

/**
 * A pipe already full that nobody reads, as a log shipper that stopped reading leaves stdout. Its file
 * descriptor becomes the server's stdout. With `nonBlocking`, writes to it fail with EAGAIN (how Node's
 * own pipes behave); without, they block (a shell's pipe).
 */
function fullPipe(dir: string, nonBlocking: boolean): number {
  const path = join(dir, 'stdout.fifo');
  execFileSync('mkfifo', [path]);
  const stdout = openSync(path, constants.O_RDWR | (nonBlocking ? constants.O_NONBLOCK : 0));
  const filler = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    for (;;) writeSync(filler, Buffer.alloc(4096, '.'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
  } finally {
    closeSync(filler);
  }
  return stdout;
}

/** The exit code, or 'still running' if the process has not exited within `ms`. */
function exitWithin(tollgate: Tollgate, ms: number): Promise<number | null | 'still running'> {
  const { child } = tollgate.process;
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still running'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

const TOKENS_TO_LOG = 60;

/** Comfortably past the 9 s shutdown deadline on a loaded machine, far short of forever. */
const EXIT_BOUND_MS = 25_000;

describe('SIGTERM when stdout does not take the log lines', () => {
  let database: TestDatabase;
  const directories: string[] = [];
  const descriptors: number[] = [];
  const started: Tollgate[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    for (const tollgate of started)
      if (tollgate.process.child.exitCode === null) tollgate.process.child.kill('SIGKILL');
    for (const fd of descriptors) closeSync(fd);
    for (const dir of directories) rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  });

  async function start(stdoutFd?: number): Promise<Tollgate> {
    const keysDir = temporaryDirectory('keys');
    directories.push(keysDir);
    const tollgate = await spawnTollgate(
      { DATABASE_URL: database.url, REDIS_URL, WORKERS: '1', KEYS_DIR: keysDir },
      stdoutFd,
    );
    started.push(tollgate);
    return tollgate;
  }

  it.each([
    ['writes fail with EAGAIN', true],
    ['writes block', false],
  ])(
    'a full pipe nobody reads (%s): the process gives up on the lines at its deadline and exits 1',
    async (_kind, nonBlocking) => {
      const dir = temporaryDirectory('fifo');
      directories.push(dir);
      const stdout = fullPipe(dir, nonBlocking);
      descriptors.push(stdout);
      const tollgate = await start(stdout);
      // Each token decision is a log line: these overflow the 8 KiB the logger gathers before it writes,
      // so one write is stuck and more lines wait behind it, as on a busy server whose log reader stalled.
      for (let i = 0; i < TOKENS_TO_LOG; i += 1) await adminToken(tollgate.url);
      tollgate.process.child.kill('SIGTERM');
      expect(await exitWithin(tollgate, EXIT_BOUND_MS)).toBe(1);
    },
    60_000,
  );

  it('a pipe whose reader has closed it: the lines are dropped and the process exits 0', async () => {
    const tollgate = await start();
    tollgate.process.child.stdout!.destroy();
    tollgate.process.child.kill('SIGTERM');
    expect(await exitWithin(tollgate, EXIT_BOUND_MS)).toBe(0);
  }, 60_000);
});
