import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KeyEncryptionKeyError } from './errors.js';

const VERSION = 'v1';
const IV_BYTES = 12;

/**
 * AES-256-GCM with the key id as associated data, so a ciphertext moved to another key's row fails to
 * decrypt instead of silently becoming that key. Format: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export function encryptPrivateKey(keyEncryptionKey: Buffer, kid: string, plaintext: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyEncryptionKey, iv);
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function decryptPrivateKey(keyEncryptionKey: Buffer, kid: string, encrypted: string): Buffer {
  const [version, iv, tag, ciphertext] = encrypted.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) {
    throw new KeyEncryptionKeyError(`signing key ${kid} is stored in an unknown format`);
  }
  try {
    // The tag length is pinned: GCM would otherwise accept a truncated tag, weakening the integrity check.
    const decipher = createDecipheriv('aes-256-gcm', keyEncryptionKey, Buffer.from(iv, 'base64url'), {
      authTagLength: 16,
    });
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
  } catch {
    throw new KeyEncryptionKeyError(
      `signing key ${kid} cannot be decrypted with the configured key-encryption key (KEY_ENCRYPTION_KEY or keys/key-encryption.key); ` +
        'refusing to start rather than replace keys and orphan the tokens they signed',
    );
  }
}
