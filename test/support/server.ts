import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Application, openApplication } from '../../src/app.js';
import { type Config, type Environment, loadConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/db/database.js';
import { prepareDeployment } from '../../src/deployment/prepare.js';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import { listen, type RunningServer } from '../../src/server.js';
import { initializeDataDir } from './embedded-data.js';

/** Unique per test file: the shared Redis holds every file's sessions, so admins must not share a session cap. */
export const ADMIN_CLIENT_ID = `test-admin-${randomBytes(4).toString('hex')}`;
export const ADMIN_CLIENT_SECRET = `admin-secret-${'x'.repeat(40)}`;

export interface TestServer {
  readonly url: string;
  readonly config: Config;
  readonly app: Application;
  readonly running: RunningServer;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export function temporaryDirectory(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `tollgate-${prefix}-`));
}

/**
 * Starts a real server in this process on a free port, exactly as `npm start` wires it. Pass
 * DATABASE_URL/REDIS_URL for shared mode; leave them out for the embedded default. `logger` replaces the
 * one LOG_LEVEL would make (to read what the server logs).
 */
export async function startTestServer(env: Environment = {}, logger?: Logger): Promise<TestServer> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  // Embedded data never lands in the working directory, where test files would share it.
  const ownDirectories = [temporaryDirectory('keys'), temporaryDirectory('data')] as const;
  const removeOwnDirectories = () => {
    for (const dir of ownDirectories) rmSync(dir, { recursive: true, force: true });
  };
  if (!env.DATA_DIR && !env.DATABASE_URL) await initializeDataDir(ownDirectories[1]);
  const config = loadConfig({
    PORT: String(port),
    ISSUER: `http://127.0.0.1:${port}`,
    INITIAL_ADMIN_CLIENT_ID: ADMIN_CLIENT_ID,
    INITIAL_ADMIN_CLIENT_SECRET: ADMIN_CLIENT_SECRET,
    KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
    KEYS_DIR: ownDirectories[0],
    DATA_DIR: ownDirectories[1],
    LOG_LEVEL: 'silent',
    // Every test server shares one Redis and calls from 127.0.0.1, across files and runs: rate limits
    // are off unless a test sets them, so one test's failures never block another's requests.
    RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_IP: '0',
    RATE_LIMIT_AUTH_FAILURES_PER_IP: '0',
    RATE_LIMIT_TOKENS_PER_CLIENT: '0',
    ...env,
  });
  logger ??= createLogger(config.logLevel);
  const db = openDatabase(config);
  let app: Application;
  try {
    await prepareDeployment(db, config, logger);
    app = await openApplication(config, logger, db);
  } catch (error) {
    await db.destroy();
    removeOwnDirectories();
    throw error;
  }
  const running = await listen(app, port);
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    app,
    running,
    async stop() {
      await running.stop();
      removeOwnDirectories();
    },
  };
}

/** Fixed for the test run so servers sharing one database can decrypt each other's keys. */
export const TEST_KEY_ENCRYPTION_KEY = randomBytes(32).toString('base64');
