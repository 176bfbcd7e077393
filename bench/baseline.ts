/**
 * The benchmark's yardstick: plain oidc-provider issuing client_credentials JWT access tokens, with its
 * in-memory adapter and one static client, as its documentation sets it up. Run as a child process:
 * PORT, ALG, CLIENT_ID, CLIENT_SECRET, AUDIENCE from the environment.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { Provider } from 'oidc-provider';

const {
  PORT = '4100',
  ALG = 'RS256',
  CLIENT_ID = 'bench',
  CLIENT_SECRET = 'bench-secret',
  AUDIENCE = 'http://localhost/api',
} = process.env;

function privateJwk(alg: string) {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...pair.privateKey.export({ format: 'jwk' }), alg, use: 'sig' };
}

const issuer = `http://127.0.0.1:${PORT}`;
const provider = new Provider(issuer, {
  jwks: { keys: [privateJwk(ALG) as never] },
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: 'read write',
      id_token_signed_response_alg: ALG as 'RS256' | 'ES256' | 'EdDSA',
    },
  ],
  scopes: ['read', 'write'],
  ttl: { ClientCredentials: 86_400 },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => AUDIENCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'read write',
        audience: AUDIENCE,
        accessTokenTTL: 86_400,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: ALG as 'RS256' | 'ES256' | 'EdDSA' } },
      }),
    },
  },
});

createServer(provider.callback()).listen(Number(PORT), '127.0.0.1', () => process.send?.('ready'));

// A normal exit on SIGTERM/SIGINT, so `node --cpu-prof` can write its profile.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
