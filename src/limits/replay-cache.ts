import { hash } from 'node:crypto';

/**
 * Single-use identifiers (a client assertion's `jti`, a federated token's `jti` or digest, a DPoP proof's
 * `jti`): "set if absent, with expiry". An identifier is remembered until the token carrying it can no
 * longer be accepted (callers pass its `exp` plus the clock tolerance they verify with; at least a second),
 * after which the token itself is refused for being expired, so nothing needs remembering longer.
 *
 * `partition` is whose identifiers these are (a client_id: in Redis it is the key's hash tag, so one
 * client's single-use ids share its sessions' slot); `id` is any text, digested before it is stored, so
 * callers may pass what an attacker sent. Both answers are final: a store that cannot tell throws
 * DependencyUnavailableError (503), never answers "first use" on a guess.
 */
export interface ReplayCache {
  readonly kind: 'redis' | 'memory';
  /** True when `id` had not been used in `partition` (it now is, until `expiresAtMs`); false for a replay. */
  firstUse(partition: string, id: string, expiresAtMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** A fixed-length name for any identifier: no input grows a key, and no token text is ever stored. */
export function replayIdDigest(id: string): string {
  return hash('sha256', id, 'base64url').slice(0, 32);
}
