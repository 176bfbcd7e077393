import type { AuditTrail } from '../audit/event.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../observability/logger.js';
import type { ChangeFeed } from '../sync/change-feed.js';
import { loadKeyEncryptionKey } from './key-encryption-key.js';
import { KeyManager } from './key-manager.js';
import { KeyStore } from './store.js';
import { rotationTiming } from './timing.js';

export interface KeyManagerContext {
  readonly changes: ChangeFeed;
  readonly audit: AuditTrail;
  readonly logger: Logger;
}

/**
 * Loads the key-encryption key and decrypts every stored signing key. With `initialize`, first creates
 * the keys a new installation needs. A wrong key-encryption key throws here, before anything listens.
 */
export async function openKeyManager(
  db: Database,
  config: Config,
  context: KeyManagerContext,
  initialize: boolean,
): Promise<KeyManager> {
  const store = new KeyStore(db);
  const keysExist = await store.exists();
  const keyEncryptionKey = loadKeyEncryptionKey(config, keysExist);
  const manager = new KeyManager(
    { store, keyEncryptionKey, ...context },
    { signingAlg: config.signingAlg, timing: rotationTiming(config.keyRotationIntervalMs) },
  );
  // Existing keys are decrypted first, so a wrong key-encryption key fails before anything is written.
  if (keysExist) await manager.refresh();
  if (initialize) await manager.initialize();
  await manager.refresh();
  return manager;
}
