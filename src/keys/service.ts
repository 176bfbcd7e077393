import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { Knex } from 'knex';
import type { SigningAlgorithm } from '../config/variables.js';
import type { Logger } from '../observability/logger.js';
import { openPrivateKey, sealPrivateKey } from './envelope.js';
import { generateSigningKey } from './generate.js';
import { KeyRing } from './key-ring.js';
import type { KeyStore, StoredKeyRow } from './store.js';
import type { KeyMetadata, KeyStatus, SigningKey } from './types.js';

export interface KeyManagerOptions {
  readonly signingAlg: SigningAlgorithm;
}

/** Owns the signing keys: creates them, decrypts them into a KeyRing, and changes their states. */
export class KeyManager {
  private ring: KeyRing | undefined;

  constructor(
    private readonly store: KeyStore,
    private readonly keyEncryptionKey: Buffer,
    private readonly options: KeyManagerOptions,
    private readonly logger: Logger,
  ) {}

  /** Makes sure an active and a next key exist; safe when several instances start at once. */
  async initialize(): Promise<void> {
    await this.store.withLock(async (trx) => {
      const rows = await this.store.list(trx);
      if (!rows.some((row) => row.status === 'active')) {
        await this.createKey(trx, 'active');
        this.logger.info({ alg: this.options.signingAlg }, 'created the first signing key');
      }
      if (!rows.some((row) => row.status === 'next')) await this.createKey(trx, 'next');
    });
  }

  /** Reads and decrypts every stored key into a new ring; throws KeyEncryptionKeyError on a wrong key. */
  async reload(): Promise<KeyRing> {
    const rows = await this.store.list();
    this.ring = new KeyRing(rows.map((row) => this.decrypt(row)));
    return this.ring;
  }

  current(): KeyRing {
    if (!this.ring) throw new Error('KeyManager.reload() must run before keys are used');
    return this.ring;
  }

  metadata(): KeyMetadata[] {
    return this.current().keys.map(toMetadata);
  }

  private async createKey(trx: Knex, status: KeyStatus): Promise<void> {
    const generated = await generateSigningKey(this.options.signingAlg);
    const pkcs8 = generated.privateKey.export({ format: 'der', type: 'pkcs8' });
    await this.store.insert(trx, {
      kid: generated.kid,
      alg: this.options.signingAlg,
      status,
      public_jwk: generated.publicJwk,
      private_key_ciphertext: sealPrivateKey(this.keyEncryptionKey, generated.kid, pkcs8),
      ...(status === 'active' ? { activated_at: new Date() } : {}),
    });
  }

  private decrypt(row: StoredKeyRow): SigningKey {
    const privateKey = createPrivateKey({
      key: openPrivateKey(this.keyEncryptionKey, row.kid, row.private_key_ciphertext),
      format: 'der',
      type: 'pkcs8',
    });
    return {
      kid: row.kid,
      alg: row.alg,
      status: row.status,
      publicJwk: row.public_jwk,
      publicKey: createPublicKey(privateKey),
      privateKey,
      createdAt: row.created_at,
      activatedAt: row.activated_at,
      retiredAt: row.retired_at,
      expiresAt: row.expires_at,
    };
  }
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

export function toMetadata(key: SigningKey): KeyMetadata {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status,
    created_at: key.createdAt.toISOString(),
    activated_at: iso(key.activatedAt),
    retired_at: iso(key.retiredAt),
    expires_at: iso(key.expiresAt),
  };
}
