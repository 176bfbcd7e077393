import cluster from 'node:cluster';
import { createApplication, prepareDeployment } from './app.js';
import { loadConfig, type Config } from './config/config.js';
import { ConfigError } from './config/errors.js';
import { DataDirInUseError } from './db/data-dir-lock.js';
import { openDatabase } from './db/database.js';
import { KeyEncryptionKeyError } from './keys/errors.js';
import { serveClusterMetrics } from './observability/cluster-metrics.js';
import { createLogger, type Logger } from './observability/logger.js';
import { listen } from './server.js';

/**
 * SIGTERM must end the process within 10 s even if a connection refuses to drain. Workers give up a
 * little before the primary, so the primary still sees how they ended.
 */
const WORKER_SHUTDOWN_DEADLINE_MS = 9_000;
const PRIMARY_SHUTDOWN_DEADLINE_MS = 9_500;

function fail(message: string): never {
  process.stderr.write(`tollgate: ${message}\n`);
  process.exit(1);
}

function describeMode(config: Config, logger: Logger): void {
  if (config.singleNode) {
    logger.warn(
      { database: config.databaseUrl ? 'postgres' : `embedded (PGlite) in ${config.dataDir}`, sessions: config.redisUrl ? 'redis' : 'in-process' },
      'SINGLE-NODE MODE: embedded database and/or in-process session store; run exactly one instance. Set DATABASE_URL and REDIS_URL to scale out.',
    );
  } else {
    logger.info({ workers: config.workers }, 'shared mode: Postgres and Redis; any number of instances may run');
  }
}

let activeLogger: Logger | undefined;

function exitAfterFlush(code: number): void {
  if (!activeLogger) process.exit(code);
  activeLogger.flush(() => process.exit(code));
}

function onShutdownSignal(logger: Logger, deadlineMs: number, handler: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    setTimeout(() => process.exit(1), deadlineMs).unref();
    handler().then(
      () => {
        logger.info('stopped');
        exitAfterFlush(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exitAfterFlush(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function serve(config: Config, logger: Logger, prepare: boolean): Promise<void> {
  const db = openDatabase(config);
  if (prepare) await prepareDeployment(db, config, logger, (text) => process.stdout.write(text));
  const app = await createApplication(config, logger, db);
  const running = await listen(app, config.port);
  logger.info({ port: running.port, issuer: config.issuer }, 'listening');
  onShutdownSignal(logger, WORKER_SHUTDOWN_DEADLINE_MS, () => running.stop());
}

const YOUNG_WORKER_MS = 10_000;
const RESPAWN_DELAY_MAX_MS = 10_000;

/** The primary prepares the deployment once, then forks workers that share the listening socket. */
async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const db = openDatabase(config);
  await prepareDeployment(db, config, logger, (text) => process.stdout.write(text));
  await db.destroy();
  let stopping = false;
  serveClusterMetrics(logger);
  const startedAt = new Map<number, number>();
  const fork = () => startedAt.set(cluster.fork().id, Date.now());
  for (let i = 0; i < config.workers; i += 1) fork();
  // A worker that dies young (port taken, Redis unreachable at boot) is replaced with growing delays,
  // not in a tight loop; one that ran a while is replaced at once.
  let youngDeathsInARow = 0;
  cluster.on('exit', (worker, code) => {
    if (stopping) return;
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    youngDeathsInARow = lived < YOUNG_WORKER_MS ? youngDeathsInARow + 1 : 0;
    const delay = youngDeathsInARow === 0 ? 0 : Math.min(RESPAWN_DELAY_MAX_MS, 250 * 2 ** youngDeathsInARow);
    logger.error({ pid: worker.process.pid, code, restart_in_ms: delay }, 'worker exited; starting a replacement');
    setTimeout(() => {
      if (!stopping) fork();
    }, delay);
  });
  // Each worker drains and closes its own pools; the primary exits 0 only if every one of them did.
  onShutdownSignal(logger, PRIMARY_SHUTDOWN_DEADLINE_MS, async () => {
    stopping = true;
    const exits = Object.values(cluster.workers ?? {}).map(
      (worker) => new Promise<number | null>((resolve) => {
        worker!.once('exit', (code) => resolve(code));
        worker!.process.kill('SIGTERM');
      }),
    );
    const codes = await Promise.all(exits);
    if (codes.some((code) => code !== 0)) throw new Error(`workers exited with codes ${codes.join(', ')}`);
  });
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
    throw error;
  }
  const logger = createLogger(config.logLevel);
  activeLogger = logger;
  try {
    if (cluster.isPrimary) describeMode(config, logger);
    if (cluster.isPrimary && config.workers > 1) await runPrimary(config, logger);
    else await serve(config, logger, cluster.isPrimary);
  } catch (error) {
    if (error instanceof KeyEncryptionKeyError || error instanceof DataDirInUseError) fail(error.message);
    if (error instanceof Error && /^(REDIS_URL|DATABASE_URL):/.test(error.message)) fail(error.message);
    logger.fatal({ err: error }, 'startup failed');
    process.exit(1);
  }
}

await main();
