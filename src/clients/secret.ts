import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefixes make leaked credentials recognisable to secret scanners and to people. */
const CLIENT_ID_PREFIX = 'tgc_';
const CLIENT_SECRET_PREFIX = 'tgs_';

export function generateClientId(): string {
  return CLIENT_ID_PREFIX + randomBytes(12).toString('hex');
}

/** 256 random bits. Being machine-generated, it needs no slow hash: SHA-256 of it cannot be brute-forced. */
export function generateClientSecret(): string {
  return CLIENT_SECRET_PREFIX + randomBytes(32).toString('base64url');
}

export function digestSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Constant-time comparison of a presented secret with a stored hex digest. */
export function secretMatchesDigest(presentedDigest: Buffer, storedDigestHex: string | null): boolean {
  if (!storedDigestHex) return false;
  const stored = Buffer.from(storedDigestHex, 'hex');
  return stored.length === presentedDigest.length && timingSafeEqual(stored, presentedDigest);
}
