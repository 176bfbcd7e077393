import type { SigningKey } from './types.js';

/**
 * An immutable snapshot of the keys one instance uses: exactly one signs, all of them verify. A new
 * snapshot replaces the old one whole, so a request never sees a half-updated set.
 */
export class KeyRing {
  readonly active: SigningKey;
  readonly keys: readonly SigningKey[];
  private readonly byKid: ReadonlyMap<string, SigningKey>;

  constructor(keys: readonly SigningKey[]) {
    const active = keys.find((key) => key.status === 'active');
    if (!active) throw new Error('a key ring needs an active key');
    this.active = active;
    this.keys = keys;
    this.byKid = new Map(keys.map((key) => [key.kid, key]));
  }

  verificationKey(kid: string): SigningKey | undefined {
    return this.byKid.get(kid);
  }
}
