import { generateKeyPair as generateKeyPairCallback, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint } from 'jose';
import type { SigningAlgorithm } from '../config/variables.js';
import type { PublicJwk } from './types.js';

const generateKeyPair = promisify(generateKeyPairCallback);

export interface GeneratedKey {
  kid: string;
  publicJwk: PublicJwk;
  privateKey: KeyObject;
}

function keyPairFor(alg: SigningAlgorithm) {
  switch (alg) {
    case 'RS256':
    case 'PS256':
      return generateKeyPair('rsa', { modulusLength: 2048 });
    case 'ES256':
      return generateKeyPair('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generateKeyPair('ed25519');
  }
}

/** A new key pair whose kid is its RFC 7638 thumbprint, so a kid can never name two different keys. */
export async function generateSigningKey(alg: SigningAlgorithm): Promise<GeneratedKey> {
  const { publicKey, privateKey } = await keyPairFor(alg);
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0]);
  return { kid, publicJwk: { ...jwk, kid, alg, use: 'sig' }, privateKey };
}
