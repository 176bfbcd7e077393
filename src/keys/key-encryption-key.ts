import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../x/private-files.js';
import { KeyEncryptionKeyError } from './errors.js';

export const KEY_FILE_NAME = 'key-encryption.key';
const KEY_BYTES = 32;

export interface KeyEncryptionKeySource {
  readonly keyEncryptionKey: string | undefined;
  readonly keysDir: string;
}

function decode(base64: string, origin: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new KeyEncryptionKeyError(`${origin} must be base64 of exactly ${KEY_BYTES} bytes (got ${key.length})`);
  }
  return key;
}

function readKeyFile(path: string): Buffer | undefined {
  try {
    return decode(readFileSync(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Creates the key file exclusively, so two instances starting together end up with the same key. */
function createKeyFile(path: string): Buffer {
  try {
    writePrivateFile(path, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { replace: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readKeyFile(path)!;
}

/**
 * Resolves the key that encrypts private signing keys at rest: KEY_ENCRYPTION_KEY, else the key file.
 * A new file is only created when no signing keys exist yet; otherwise a missing key is fatal, because a
 * fresh key could not decrypt the stored ones.
 */
export function loadKeyEncryptionKey(source: KeyEncryptionKeySource, signingKeysExist: boolean): Buffer {
  if (source.keyEncryptionKey) return decode(source.keyEncryptionKey, 'KEY_ENCRYPTION_KEY');
  const path = join(source.keysDir, KEY_FILE_NAME);
  const existing = readKeyFile(path);
  if (existing) return existing;
  if (signingKeysExist) {
    throw new KeyEncryptionKeyError(
      `signing keys exist in the database but neither KEY_ENCRYPTION_KEY nor ${path} is available to decrypt them; ` +
        'restore the key-encryption key instead of starting with a new one',
    );
  }
  return createKeyFile(path);
}
