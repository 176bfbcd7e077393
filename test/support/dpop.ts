import { randomUUID } from 'node:crypto';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** A DPoP key pair as a client holds it. */
export interface DpopKey {
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** RFC 7638 thumbprint of the public key: what the token's cnf.jkt must be. */
  readonly jkt: string;
}

export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

export interface ProofOptions {
  readonly htu: string;
  readonly htm?: string;
  readonly iat?: number;
  readonly jti?: string;
  readonly nonce?: string;
  /** Replaces the public key in the header (a private key, another key, ...). */
  readonly jwk?: JWK;
  readonly typ?: string;
  readonly claims?: Record<string, unknown>;
}

/** A DPoP proof (RFC 9449 §4.2) signed with `key`, every field overridable for refusal tests. */
export function dpopProof(key: DpopKey, options: ProofOptions): Promise<string> {
  return new SignJWT({
    jti: options.jti ?? randomUUID(),
    htm: options.htm ?? 'POST',
    htu: options.htu,
    iat: options.iat ?? Math.floor(Date.now() / 1000),
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    ...options.claims,
  })
    .setProtectedHeader({ alg: key.alg, typ: options.typ ?? 'dpop+jwt', jwk: options.jwk ?? key.publicJwk })
    .sign(key.privateKey);
}

/** A compact JWS with the given header and payload and a junk signature (for `alg: none` and the like). */
export function unsignedJws(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode(header)}.${encode(payload)}.${Buffer.from('not a signature').toString('base64url')}`;
}
