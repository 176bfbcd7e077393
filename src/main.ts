import cluster from 'node:cluster';
import { createApplication } from './app.js';
import { type Config, loadConfig } from './config/config.js';
import { ConfigError } from './config/errors.js';
import { openDatabase } from './db/database.js';
import type { ShowOnTerminal } from './deployment/initial-admin.js';
import { prepareDeployment } from './deployment/prepare.js';
import { serveClusterMetrics } from './observability/cluster-metrics.js';
import { abandonUnwrittenLines, createLogger, type Logger } from './observability/logger.js';
import { listen } from './server.js';
import { type Dependency, DependencyUnavailableError, StartupError } from './x/errors.js';

/**
 * SIGTERM must end the process within 10 s even if a connection refuses to drain. Workers give up a
 * little before the primary, so the primary still sees how they ended.
 */
const WORKER_SHUTDOWN_DEADLINE_MS = 9_000;
const PRIMARY_SHUTDOWN_DEADLINE_MS = 9_500;
/** How long a failed start waits for its last log lines to be written. */
const STARTUP_FAILURE_EXIT_DEADLINE_MS = 2_000;

function fail(message: string): never {
  process.stderr.write(`tollgate: ${message}\n`);
  process.exit(1);
}

/** Startup errors that explain themselves to the operator: their message alone, no stack. */
/** The setting to look at when a dependency does not answer at startup. */
const DEPENDENCY_VARIABLES: Readonly<Record<Dependency, string>> = {
  database: 'DATABASE_URL',
  redis: 'REDIS_URL',
  session_store: 'REDIS_URL',
  rate_limit_store: 'REDIS_URL',
  replay_cache: 'REDIS_URL',
};

/** What to tell the operator when startup fails for a known reason, or null for a bug (logged with its stack). */
function refusalToStart(error: unknown): string | null {
  if (error instanceof StartupError) return error.message;
  if (error instanceof DependencyUnavailableError) return `${DEPENDENCY_VARIABLES[error.dependency]}: ${error.message}`;
  return null;
}

function describeMode(config: Config, logger: Logger): void {
  if (config.singleNode) {
    logger.warn(
      {
        database: config.databaseUrl ? 'postgres' : `embedded (PGlite) in ${config.dataDir}`,
        sessions: config.redisUrl ? 'redis' : 'in-process',
      },
      'SINGLE-NODE MODE: embedded database and/or in-process session store; run exactly one instance. Set DATABASE_URL and REDIS_URL to scale out.',
    );
  } else {
    logger.info({ workers: config.workers }, 'shared mode: Postgres and Redis; any number of instances may run');
  }
}

/** The terminal, when a person watches one (stderr is a TTY): never stdout, the log stream that log shippers keep. */
function terminal(): ShowOnTerminal | undefined {
  return process.stderr.isTTY ? (text) => process.stderr.write(text) : undefined;
}

let activeLogger: Logger | undefined;

/** Exits at once, dropping log lines not written yet, which could otherwise hold the exit (see abandonUnwrittenLines). */
function exitNow(code: number): never {
  if (activeLogger) abandonUnwrittenLines(activeLogger);
  process.exit(code);
}

/**
 * Exits with `code` once the buffered log lines are written. Callers arm a deadline (exitNow) first:
 * a log reader that stopped reading never takes them. If stdout is closed instead, pino drops the lines
 * and the process ends on its own, with this code.
 */
function exitAfterFlush(code: number): void {
  process.exitCode = code;
  if (!activeLogger) process.exit(code);
  activeLogger.flush(() => process.exit(code));
}

/** Startup failed: exit 1 once the fatal line is written, or after a few seconds without it. */
function exitOnStartupFailure(): void {
  setTimeout(() => exitNow(1), STARTUP_FAILURE_EXIT_DEADLINE_MS).unref();
  exitAfterFlush(1);
}

/**
 * Drains on SIGTERM and SIGINT, and in a cluster worker also when the primary is gone (its IPC channel
 * closed: the primary was killed or crashed), so that no worker outlives its primary. Node's own
 * reaction to that, an immediate exit, would drop the requests in flight and the batched writes.
 */
function onShutdown(logger: Logger, deadlineMs: number, handler: () => Promise<void>): void {
  let stopping = false;
  const stop = (reason: Record<string, string>) => {
    if (stopping) return;
    stopping = true;
    logger.info(reason, 'shutting down: no new connections, finishing requests in flight');
    setTimeout(() => exitNow(1), deadlineMs).unref();
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
  process.on('SIGTERM', () => stop({ signal: 'SIGTERM' }));
  process.on('SIGINT', () => stop({ signal: 'SIGINT' }));
  if (cluster.isWorker) {
    // Replaces Node's own listener, the immediate exit. Only once listening: a worker whose primary dies
    // earlier has nothing in flight, and exiting at once is right for it.
    process.removeAllListeners('disconnect');
    process.once('disconnect', () => stop({ reason: 'the primary process is gone' }));
  }
}

async function serve(config: Config, logger: Logger, prepare: boolean): Promise<void> {
  const db = openDatabase(config);
  if (prepare) await prepareDeployment(db, config, logger, terminal());
  const app = await createApplication(config, logger, db);
  const running = await listen(app, config.port);
  logger.info({ port: running.port, issuer: config.issuer }, 'listening');
  onShutdown(logger, WORKER_SHUTDOWN_DEADLINE_MS, () => running.stop());
}

const YOUNG_WORKER_MS = 10_000;
const RESPAWN_DELAY_MAX_MS = 10_000;

/** The primary prepares the deployment once, then forks workers that share the listening socket. */
async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const db = openDatabase(config);
  await prepareDeployment(db, config, logger, terminal());
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
  onShutdown(logger, PRIMARY_SHUTDOWN_DEADLINE_MS, async () => {
    stopping = true;
    const exits = Object.values(cluster.workers ?? {}).map(
      (worker) =>
        new Promise<number | null>((resolve) => {
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
    const refusal = refusalToStart(error);
    if (refusal) process.stderr.write(`tollgate: ${refusal}\n`);
    else logger.fatal({ err: error }, 'startup failed');
    exitOnStartupFailure();
  }
}

await main();
