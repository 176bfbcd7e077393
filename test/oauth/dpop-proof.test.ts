import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import { MemoryReplayCache } from '../../src/limits/memory-replay-cache.js';
import { DpopProofVerifier } from '../../src/oauth/dpop-proof.js';
import { InvalidDpopProofError } from '../../src/oauth/errors.js';
import { type DpopKey, dpopKey, dpopProof } from '../support/dpop.js';

const HTU = 'https://as.example.com/token';

/** The verifier's refusal reason, or null when the proof is accepted. */
async function refusalOf(verifier: DpopProofVerifier, proof: string): Promise<string | null> {
  try {
    await verifier.verify(proof, 'POST', 'client-1');
    return null;
  } catch (error) {
    if (error instanceof InvalidDpopProofError) return error.reason;
    throw error;
  }
}

describe('DpopProofVerifier: proof keys imported once, every proof still verified', () => {
  let replays: MemoryReplayCache;
  let verifier: DpopProofVerifier;

  beforeEach(() => {
    replays = new MemoryReplayCache();
    verifier = new DpopProofVerifier({ endpointUrls: [HTU], maxAgeSeconds: 60, nonces: null, replays });
  });
  afterEach(() => replays.close());

  it('gives the same RFC 7638 thumbprint for every proof of one key', async () => {
    const key = await dpopKey('ES256');
    const first = await verifier.verify(await dpopProof(key, { htu: HTU }), 'POST', 'client-1');
    const second = await verifier.verify(await dpopProof(key, { htu: HTU }), 'POST', 'client-1');
    expect([first.jkt, second.jkt]).toEqual([key.jkt, key.jkt]);
  });

  it('refuses a proof that names a key it has seen but is signed by another one', async () => {
    const key = await dpopKey('ES256');
    const thief = await dpopKey('ES256');
    expect(await refusalOf(verifier, await dpopProof(key, { htu: HTU }))).toBeNull();
    const forged = await dpopProof(thief, { htu: HTU, jwk: key.publicJwk });
    expect(await refusalOf(verifier, forged)).toBe('dpop_proof_signature');
  });

  it('keeps a key apart per algorithm: one RSA key proves under RS256 and PS256, each checked as its own', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const [privateJwk, publicJwk] = await Promise.all([exportJWK(privateKey), exportJWK(publicKey)]);
    const signerFor = async (alg: 'RS256' | 'PS256'): Promise<DpopKey> => ({
      alg,
      privateKey: (await importJWK(privateJwk, alg)) as CryptoKey,
      publicJwk,
      jkt: await calculateJwkThumbprint(publicJwk, 'sha256'),
    });
    const [rs256, ps256] = await Promise.all([signerFor('RS256'), signerFor('PS256')]);
    const underRs256 = await verifier.verify(await dpopProof(rs256, { htu: HTU }), 'POST', 'client-1');
    const underPs256 = await verifier.verify(await dpopProof(ps256, { htu: HTU }), 'POST', 'client-1');
    expect([underRs256.jkt, underPs256.jkt]).toEqual([rs256.jkt, rs256.jkt]);
  });

  it('judges a JWK that differs in another member on its own: use "enc" is refused after the same key with use "sig"', async () => {
    const key = await dpopKey('ES256');
    expect(await refusalOf(verifier, await dpopProof(key, { htu: HTU, jwk: { ...key.publicJwk, use: 'sig' } }))).toBe(
      null,
    );
    expect(await refusalOf(verifier, await dpopProof(key, { htu: HTU, jwk: { ...key.publicJwk, use: 'enc' } }))).toBe(
      'dpop_proof_signature',
    );
  });

  it('still refuses a replayed proof of a cached key', async () => {
    const key = await dpopKey('ES256');
    const proof = await dpopProof(key, { htu: HTU });
    expect(await refusalOf(verifier, proof)).toBeNull();
    expect(await refusalOf(verifier, proof)).toBe('dpop_proof_replayed');
  });

  it('keeps apart the keys of several algorithms in the one cache', async () => {
    const keys = await Promise.all([dpopKey('ES256'), dpopKey('EdDSA'), dpopKey('ES256'), dpopKey('RS256')]);
    for (const key of [...keys, ...keys]) {
      const { jkt } = await verifier.verify(await dpopProof(key, { htu: HTU }), 'POST', 'client-1');
      expect(jkt).toBe(key.jkt);
    }
  });
});
