/**
 * The fixed values Tollgate's behaviour is tuned with, in one place. They are not settings: changing one
 * is a code change, reviewed like one. The configuration table's texts (variables.ts) are written from
 * these, so the README cannot restate a value that has since changed.
 */

/** Every access token lives 24 hours. */
export const ACCESS_TOKEN_TTL_SECONDS = 86_400;

/** Tolerated clock difference between this server and verifiers, in seconds. */
export const CLOCK_SKEW_SECONDS = 60;

/** Resource servers never need to refetch the JWKS more often than this (its `Cache-Control: max-age` cap). */
export const MAX_JWKS_MAX_AGE_SECONDS = 300;

/** Followers also hear of key changes through the change feed at once; the key poll covers lost notices. */
export const MAX_KEY_POLL_INTERVAL_MS = 5_000;

/** How long a cached client keeps serving past its TTL while Postgres does not answer (stale-if-error). */
export const CLIENT_STALE_IF_ERROR_MS = 60_000;

/**
 * How old the in-memory roles and API switches may grow before a reload. Changes reach every instance
 * at once through the change feed; this only bounds staleness when a notice is lost.
 */
export const POLICY_SNAPSHOT_TTL_MS = 5_000;

/** Redis: how long one connection attempt may take, and one command. */
export const REDIS_CONNECT_TIMEOUT_MS = 2_000;
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;

/** At startup: how long the server waits for a required Redis, and the CLI for a best-effort one. */
export const REDIS_REQUIRED_WAIT_MS = 10_000;
export const REDIS_BEST_EFFORT_WAIT_MS = 3_000;

/** Postgres: the longest one statement may run, and how long a caller waits for a pooled connection. */
export const DATABASE_STATEMENT_TIMEOUT_MS = 10_000;
export const DATABASE_ACQUIRE_TIMEOUT_MS = 3_000;

/**
 * Node's HTTP server timeouts. Keep-alive outlives the usual load-balancer idle timeout (60 s), so the
 * balancer, not Tollgate, closes idle connections and never reuses one that is being closed.
 */
export const SERVER_TIMEOUTS = {
  keepAliveTimeoutMs: 65_000,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 20_000,
} as const;

/**
 * SIGTERM must end the process within 10 s even if a connection refuses to drain. Workers give up a
 * little before the primary, so the primary still sees how they ended.
 */
export const WORKER_SHUTDOWN_DEADLINE_MS = 9_000;
export const PRIMARY_SHUTDOWN_DEADLINE_MS = 9_500;

/** Writes the text of a whole number of seconds as the configuration table shows it: `300 s`, `24 h`. */
export function describeSeconds(seconds: number): string {
  return seconds % 3_600 === 0 ? `${seconds / 3_600} h` : `${seconds} s`;
}
