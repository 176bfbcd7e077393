import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Provider } from 'oidc-provider';
import providerRequestContext from 'oidc-provider/lib/helpers/als.js';
import { NO_PROXY } from '../../src/config/proxy-trust.js';
import type { SigningAlgorithm } from '../../src/config/variables.js';
import { generateSigningKey } from '../../src/keys/generate.js';
import { KeyRing } from '../../src/keys/key-ring.js';
import type { SigningKey } from '../../src/keys/types.js';
import { createProvider, ProviderSwitch } from '../../src/oauth/provider.js';

/**
 * The contract with oidc-provider's experimental `externalSigningSupport`: Tollgate hands it public keys
 * as ExternalSigningKey instances, acknowledged as 'experimental-01'. Breaking changes to experimental
 * features ship in minor releases, and an acknowledgement that no longer matches throws at construction,
 * so the dependency is pinned exactly and these tests say what broke when someone moves the pin.
 */

const UPGRADE_ADVICE =
  'oidc-provider changed its externalSigningSupport contract: read its CHANGELOG for the experimental ' +
  'feature, adapt src/oauth/provider.ts (PublishedKey, the ack), then update the pin in package.json';

const root = new URL('../../../', import.meta.url);
const readJson = (path: string) => JSON.parse(readFileSync(new URL(path, root), 'utf8')) as Record<string, unknown>;

async function signingKey(alg: SigningAlgorithm): Promise<SigningKey> {
  const key = await generateSigningKey(alg);
  return {
    ...key,
    alg,
    status: 'active',
    publicKey: createPublicKey(key.privateKey),
    createdAt: new Date(),
    activatedAt: new Date(),
    retiredAt: null,
    expiresAt: null,
  };
}

/** Builds the provider exactly as the server does, turning a construction failure into advice. */
function build(ring: KeyRing, issuer = 'https://issuer.test'): Provider {
  try {
    return createProvider(ring, {
      issuer,
      proxyTrust: NO_PROXY,
      jwksMaxAgeSeconds: 60,
      mtls: false,
      scopesSupported: async () => [],
    });
  } catch (error) {
    throw new Error(`${UPGRADE_ADVICE}. Construction failed: ${(error as Error).message}`, { cause: error });
  }
}

describe('oidc-provider: the version', () => {
  it('is pinned to one exact version, and that version is the one installed', () => {
    const pinned = (readJson('package.json').dependencies as Record<string, string>)['oidc-provider']!;
    expect({ pinned, exact: /^\d+\.\d+\.\d+$/.test(pinned) }).toEqual({ pinned, exact: true });
    expect(readJson('node_modules/oidc-provider/package.json').version).toBe(pinned);
  });
});

describe('oidc-provider: the externalSigningSupport acknowledgement', () => {
  it("accepts the provider Tollgate builds, with its 'experimental-01' acknowledgement", async () => {
    expect(build(new KeyRing([await signingKey('ES256')]))).toBeInstanceOf(Provider);
  });

  it('still refuses at construction an acknowledgement that does not match (the guard the pin relies on)', () => {
    expect(
      () =>
        new Provider('https://issuer.test', {
          features: { externalSigningSupport: { enabled: true, ack: 'experimental-00' } },
        }),
    ).toThrow(/unacknowledged version of an experimental feature/);
  });
});

describe('oidc-provider: publishing external keys', () => {
  let server: Server | undefined;
  let base: string;
  let ring: KeyRing;

  beforeAll(async () => {
    const keys = await Promise.all((['ES256', 'RS256', 'EdDSA'] as const).map(signingKey));
    ring = new KeyRing(keys.map((key, i) => (i === 0 ? key : { ...key, status: 'next' as const })));
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on('request', build(ring, base).callback());
  });

  afterAll(async () => {
    if (server) await new Promise((resolve) => server!.close(resolve));
  });

  it('publishes each key as kid, alg and the public JWK from keyObject(), never a private member, without signing', async () => {
    const response = await fetch(`${base}/jwks`);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    // PublishedKey.sign() throws: a JWKS that needed a signature would have failed above.
    expect(keys).toEqual(
      ring.keys.map((key) => ({ ...key.publicKey.export({ format: 'jwk' }), kid: key.kid, alg: key.alg, use: 'sig' })),
    );
  });

  it('advertises the same JWKS location and signing algorithms in discovery', async () => {
    const response = await fetch(`${base}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const discovery = (await response.json()) as Record<string, unknown>;
    expect(discovery.jwks_uri).toBe(`${base}/jwks`);
    expect(discovery.issuer).toBe(base);
  });
});

describe('oidc-provider: its request context, which the switch turns off between requests', () => {
  let server: Server | undefined;
  let base: string;
  const calls = { run: 0, disable: 0 };
  const { run, disable } = providerRequestContext;

  beforeAll(async () => {
    // Counted where oidc-provider calls them: on the instance its requests run in.
    providerRequestContext.run = function (this: typeof providerRequestContext, ...args: Parameters<typeof run>) {
      calls.run += 1;
      return run.apply(this, args);
    } as typeof run;
    providerRequestContext.disable = function (this: typeof providerRequestContext) {
      calls.disable += 1;
      disable.apply(this);
    };
    const ring = new KeyRing([await signingKey('ES256')]);
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on('request', new ProviderSwitch((keys) => build(keys, base), ring).handle);
  });

  afterAll(async () => {
    providerRequestContext.run = run;
    providerRequestContext.disable = disable;
    if (server) await new Promise((resolve) => server!.close(resolve));
  });

  it('runs each request in lib/helpers/als.js, disabled again once the request is done, and enabled by the next', async () => {
    expect((await fetch(`${base}/jwks`)).status).toBe(200);
    expect(calls).toEqual({ run: 1, disable: 1 });
    const discovery = await fetch(`${base}/.well-known/openid-configuration`);
    expect({ status: discovery.status, issuer: ((await discovery.json()) as { issuer: string }).issuer }).toEqual({
      status: 200,
      issuer: base,
    });
    expect(calls).toEqual({ run: 2, disable: 2 });
  });
});
