import type { Confirmation } from '../x/confirmation.js';

/** The claims of every access token Tollgate issues (RFC 9068 plus `role` and `org_id`, and `cnf` when bound). */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  client_id: string;
  aud: string;
  scope: string;
  role: string;
  jti: string;
  iat: number;
  exp: number;
  org_id?: string;
  cnf?: Confirmation;
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly claims: AccessTokenClaims;
  readonly kid: string;
}

export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** One object for every token, so the encoded header is cached per signing key (see jws.ts). */
export const ACCESS_TOKEN_HEADER = Object.freeze({ typ: ACCESS_TOKEN_TYPE });
