import type { Block, FailureLimiter } from '../limits/types.js';
import { RateLimitedError } from './errors.js';

type Verdict = { readonly ok: true; readonly block: Block | null } | { readonly ok: false; readonly error: unknown };

/**
 * One request's failed-authentication verdict: asked for as soon as the client_id is known (or known to
 * be missing), awaited before anything is answered and before a client is looked up in the database.
 * Meanwhile the request goes on, so on the token endpoint this check and the session write leave in the
 * same auto-pipelined Redis write: for a cached client the limit costs no extra round trip. The pending
 * verdict never rejects, so a request that ends early leaves no unhandled rejection behind.
 */
export class FailureCheck {
  private readonly verdict: Promise<Verdict>;

  constructor(failures: FailureLimiter, ip: string, clientId: string | null) {
    this.verdict = failures.blocked(ip, clientId).then(
      (block) => ({ ok: true, block }),
      (error: unknown) => ({ ok: false, error }),
    );
  }

  /** Throws 429 when earlier failures block this caller, or the limiter's own error when it could not tell. */
  async assertNotBlocked(): Promise<void> {
    const verdict = await this.verdict;
    if (!verdict.ok) throw verdict.error;
    if (verdict.block)
      throw new RateLimitedError(
        'failed_authentication',
        verdict.block.retryAfterMs,
        'too many failed client authentications from this address; retry later',
      );
  }
}
