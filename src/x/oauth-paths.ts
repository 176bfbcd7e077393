/** Public contract: the OAuth paths, relative to the issuer. */
export const OAUTH_PATHS = {
  token: '/token',
  introspection: '/token/introspection',
  revocation: '/token/revocation',
  jwks: '/jwks',
  openidConfiguration: '/.well-known/openid-configuration',
  authorizationServerMetadata: '/.well-known/oauth-authorization-server',
} as const;
