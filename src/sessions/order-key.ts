import type { Session } from './types.js';

/**
 * Orders a client's sessions by expiry, then jti: the same order as issuance, because every token lives
 * the same 24 hours. Fixed-width so that lexicographic order is numeric order.
 */
export function sessionOrderKey(session: Pick<Session, 'exp' | 'jti'>): string {
  return `${expiryPrefix(session.exp)}:${session.jti}`;
}

export function expiryPrefix(epochSeconds: number): string {
  return String(epochSeconds).padStart(12, '0');
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
