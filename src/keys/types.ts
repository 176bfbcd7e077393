import type { KeyObject, JsonWebKey } from 'node:crypto';
import type { SigningAlgorithm } from '../config/variables.js';

export type KeyStatus = 'next' | 'active' | 'retired';

export interface PublicJwk extends JsonWebKey {
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
}

/** A signing key as the rest of the server sees it; the private part exists only in memory. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly status: KeyStatus;
  readonly publicJwk: PublicJwk;
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
  readonly createdAt: Date;
  readonly activatedAt: Date | null;
  readonly retiredAt: Date | null;
  readonly expiresAt: Date | null;
}

/** Public metadata, as the admin API and CLI show it. */
export interface KeyMetadata {
  kid: string;
  alg: SigningAlgorithm;
  status: KeyStatus;
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
  expires_at: string | null;
}
