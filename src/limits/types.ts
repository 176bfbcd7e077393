/** Failed client authentications tolerated per window; 0 turns a limit off. */
export interface FailureLimits {
  readonly perClientIp: number;
  readonly perIp: number;
  readonly windowMs: number;
}

/** A caller the failure limits currently refuse, and how long until they stop. */
export interface Block {
  readonly retryAfterMs: number;
}

/** Which limit: failures from one address, or from one address for one client_id. */
export type FailureLimit = 'per_ip' | 'per_client_ip';

/** A block that one failure has just started, by reaching a limit: exactly one per limit and window. */
export interface BlockStart {
  readonly limit: FailureLimit;
  /** Until the window ends. Requests refused while blocked are not counted, so a block never grows. */
  readonly durationMs: number;
}

/**
 * Counts failed client authentications per (client_id, IP) and per IP. There is deliberately no limit
 * per client_id alone: an attacker guessing one client's secret from their own address blocks that pair
 * and their address, never the real client calling from its own. A request that names no well-formed
 * client_id (`clientId` null) counts against its address only.
 */
export interface FailureLimiter {
  /** Whether earlier failures block this caller now; null when they may try. */
  blocked(ip: string, clientId: string | null): Promise<Block | null>;
  /** Counts one failure and answers the blocks it started, if any. */
  recordFailure(ip: string, clientId: string | null): Promise<readonly BlockStart[]>;
}

/** A counter: its key, the limit it enforces (0: off, not counted) and which limit that is. */
export interface FailureCounter {
  readonly key: string;
  readonly max: number;
  readonly limit: FailureLimit;
}

/** The counters one failure touches, without those whose limit is off. */
export function failureCounters(
  limits: FailureLimits,
  keys: { perIp: string; perClientIp: string | null },
): FailureCounter[] {
  const counters: FailureCounter[] = [{ key: keys.perIp, max: limits.perIp, limit: 'per_ip' }];
  if (keys.perClientIp !== null)
    counters.push({ key: keys.perClientIp, max: limits.perClientIp, limit: 'per_client_ip' });
  return counters.filter((counter) => counter.max > 0);
}
