import { pino, type Logger } from 'pino';

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

/** Asynchronous stdout: a log line (one per token decision) must not block the token endpoint on a write. */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'tollgate', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    pino.destination({ dest: 1, sync: false }),
  );
}
