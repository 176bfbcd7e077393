/** The stored signing keys cannot be used: starting anyway would orphan every token they signed. */
export class KeyEncryptionKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyEncryptionKeyError';
  }
}
