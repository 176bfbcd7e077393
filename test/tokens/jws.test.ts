import { createHmac, createPublicKey } from 'node:crypto';
import { compactVerify, importJWK } from 'jose';
import { SIGNING_ALGORITHMS } from '../../src/config/variables.js';
import { generateSigningKey } from '../../src/keys/generate.js';
import { signCompact, verifyCompact } from '../../src/tokens/jws.js';

describe.each(SIGNING_ALGORITHMS)('compact JWS with %s', (alg) => {
  it('produces tokens that jose verifies, and verifies them itself', async () => {
    const { kid, publicJwk, privateKey } = await generateSigningKey(alg);
    const token = await signCompact({ typ: 'at+jwt' }, { sub: 'client' }, { kid, alg, privateKey });
    const { protectedHeader, payload } = await compactVerify(token, await importJWK(publicJwk, alg));
    expect(protectedHeader).toEqual({ typ: 'at+jwt', alg, kid });
    expect(JSON.parse(Buffer.from(payload).toString())).toEqual({ sub: 'client' });

    const publicKey = createPublicKey(privateKey);
    expect(verifyCompact(token, (k) => (k === kid ? { alg, publicKey } : undefined))?.payload).toEqual({
      sub: 'client',
    });
  });

  it('rejects a tampered payload, an unknown kid and garbage', async () => {
    const { kid, privateKey } = await generateSigningKey(alg);
    const publicKey = createPublicKey(privateKey);
    const keyFor = (k: string) => (k === kid ? { alg, publicKey } : undefined);
    const [header, , signature] = (await signCompact({}, { sub: 'a' }, { kid, alg, privateKey })).split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'b' })).toString('base64url')}.${signature}`;
    expect(verifyCompact(forged, keyFor)).toBeNull();
    expect(verifyCompact(await signCompact({}, {}, { kid: 'other', alg, privateKey }), keyFor)).toBeNull();
    for (const garbage of ['', 'a.b', 'a.b.c', 'x'.repeat(10_000), '....'])
      expect(verifyCompact(garbage, keyFor)).toBeNull();
  });
});

describe('algorithm confusion', () => {
  it('refuses alg "none" and an HS256 token keyed with the public key', async () => {
    const { kid, publicJwk, privateKey } = await generateSigningKey('RS256');
    const publicKey = createPublicKey(privateKey);
    const keyFor = () => ({ alg: 'RS256' as const, publicKey });
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const body = encode({ sub: 'attacker' });
    expect(verifyCompact(`${encode({ alg: 'none', kid })}.${body}.`, keyFor)).toBeNull();
    const hsInput = `${encode({ alg: 'HS256', kid })}.${body}`;
    const hsSignature = createHmac('sha256', JSON.stringify(publicJwk)).update(hsInput).digest('base64url');
    expect(verifyCompact(`${hsInput}.${hsSignature}`, keyFor)).toBeNull();
  });
});
