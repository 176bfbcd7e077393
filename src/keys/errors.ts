import { StartupError } from '../x/errors.js';

/** The stored signing keys cannot be used: starting anyway would orphan every token they signed. */
export class KeyEncryptionKeyError extends StartupError {
  constructor(message: string) {
    super('key_encryption_key', message);
  }
}
