import { createHmac, timingSafeEqual } from 'node:crypto';

/** A nonce is valid in the period it was made, the one after it and (for a clock ahead of ours) the one before. */
const PERIOD_MS = 5 * 60_000;

/**
 * Server nonces for DPoP proofs (RFC 9449 §8) without shared per-request state: a nonce is an HMAC of its
 * time period under a secret every instance derives alike (KeyManager.derivedSecret), so any instance
 * accepts any other's, and a nonce stops working by itself 5 to 10 minutes after it was handed out.
 */
export class DpopNonces {
  private cached = { period: Number.NaN, nonce: '' };

  constructor(
    private readonly secret: Buffer,
    private readonly now: () => number = Date.now,
  ) {}

  /** The nonce to hand out now, in `DPoP-Nonce`. */
  current(): string {
    const period = this.period();
    if (this.cached.period !== period) this.cached = { period, nonce: this.forPeriod(period) };
    return this.cached.nonce;
  }

  /** Whether a proof's `nonce` claim is one this server handed out recently. */
  accepts(nonce: unknown): boolean {
    if (typeof nonce !== 'string') return false;
    const presented = Buffer.from(nonce);
    const period = this.period();
    return [period, period - 1, period + 1].some((candidate) => {
      const expected = Buffer.from(this.forPeriod(candidate));
      return expected.length === presented.length && timingSafeEqual(expected, presented);
    });
  }

  private period(): number {
    return Math.floor(this.now() / PERIOD_MS);
  }

  private forPeriod(period: number): string {
    return createHmac('sha256', this.secret).update(`dpop-nonce:${period}`).digest('base64url');
  }
}
