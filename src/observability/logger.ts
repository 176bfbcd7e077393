import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Redaction is a second line of defence: no code path logs a secret on purpose, but a careless
 * `log.info({ body })` must still not leak one.
 */
const REDACTED_PATHS = [
  '*.client_secret',
  '*.clientSecret',
  '*.access_token',
  '*.token',
  '*.authorization',
  '*.password',
  '*.private_key',
  'req.headers.authorization',
];

/**
 * Audit lines are built from already redacted events (src/audit/redact.ts), so they get exact paths
 * instead of the wildcard set: wildcard redaction cost the token endpoint about 2% of its CPU.
 */
export const AUDIT_REDACTED_DETAILS = [
  'client_secret',
  'access_token',
  'token',
  'authorization',
  'password',
  'private_key',
] as const;

export function createAuditLogger(logger: Logger): Logger {
  return logger.child(
    {},
    { redact: { paths: AUDIT_REDACTED_DETAILS.map((key) => `audit.details.${key}`), censor: '[redacted]' } },
  );
}

/**
 * Writes the info line `logger.info({ [key]: value }, msg)` would write, byte for byte, for a value
 * the caller has serialised itself (nothing when `logger` does not write info lines). The
 * audit trail writes one such line per token decision; pino's generic path (walking the object for
 * serialisers, redaction paths and escaping) cost that line about twice the CPU of one JSON.stringify.
 * The caller is responsible for what redaction would have done.
 */
export function writeInfoLine(logger: Logger, key: string, json: string, msg: string): void {
  if (!logger.isLevelEnabled('info')) return;
  // pino's own parts of a line: its time field, the bindings (service, pid) and its destination.
  const parts = logger as unknown as {
    [pino.symbols.timeSym]: () => string;
    [pino.symbols.chindingsSym]: string;
    [pino.symbols.streamSym]: { write(line: string): unknown };
  };
  const head = `{"level":${logger.levels.values.info}${parts[pino.symbols.timeSym]()}${parts[pino.symbols.chindingsSym]}`;
  parts[pino.symbols.streamSym].write(`${head},"${key}":${json},"msg":${JSON.stringify(msg)}}\n`);
}

/** Lines are written at least this often even when the buffer is not full. */
const FLUSH_INTERVAL_MS = 1_000;

/**
 * While stdout does not take lines (a log reader that stopped reading), at most this much waits in
 * memory; later lines are dropped until it reads again, instead of the buffer growing without bound.
 */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

type Destination = ReturnType<typeof pino.destination>;

const destinations = new WeakMap<Logger, Destination>();

/**
 * Buffered asynchronous stdout: one write per few kilobytes instead of one per line. The token endpoint
 * logs a line per token decision, and per-line writes cost it about 6% of its CPU in profiles. A timer
 * flushes at least every second, and shutdown flushes before exiting. The CLI logs to stderr (fd 2),
 * keeping stdout for its output.
 */
export function createLogger(level: string, fd: 1 | 2 = 1): Logger {
  const destination = pino.destination({
    dest: fd,
    sync: false,
    minLength: 8_192,
    maxLength: MAX_BUFFERED_BYTES,
    periodicFlush: FLUSH_INTERVAL_MS,
  });
  const logger = pino(
    {
      level,
      base: { service: 'tollgate', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
  destinations.set(logger, destination);
  return logger;
}

/**
 * Drops the lines `logger` has not written yet, so that exiting cannot wait for them. pino writes what
 * is left synchronously on exit, and that write never returns while the reader of stdout does not read:
 * a process exiting past its deadline calls this first.
 */
export function abandonUnwrittenLines(logger: Logger): void {
  destinations.get(logger)?.destroy();
}
