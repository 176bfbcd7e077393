import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { z } from 'zod';
import type { SigningAlgorithm } from '../config/variables.js';
import type { keyMetadataSchema, keyRevocationSchema } from './schemas.js';

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

/** Public metadata, as the admin API and CLI show it (and the OpenAPI document describes). */
export type KeyMetadata = z.output<typeof keyMetadataSchema>;

/** What a key revocation answers: the key as it was, and the key that signs now. */
export type KeyRevocation = z.output<typeof keyRevocationSchema>;
