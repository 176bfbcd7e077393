import { CLOCK_SKEW_SECONDS } from '../config/constants.js';
import type { KeyManager } from '../keys/key-manager.js';
import { isConfirmation } from '../x/confirmation.js';
import { verifyCompact } from './jws.js';
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims } from './types.js';

export interface AccessTokenVerifierOptions {
  readonly issuer: string;
  readonly audience: string;
}

function hasClaimTypes(payload: Record<string, unknown>): payload is Record<string, unknown> & AccessTokenClaims {
  const strings = ['iss', 'sub', 'client_id', 'aud', 'scope', 'role', 'jti'] as const;
  return (
    strings.every((name) => typeof payload[name] === 'string') &&
    Number.isInteger(payload.iat) &&
    Number.isInteger(payload.exp) &&
    (payload.org_id === undefined || typeof payload.org_id === 'string') &&
    (payload.cnf === undefined || isConfirmation(payload.cnf))
  );
}

/**
 * What a resource server checks with the JWKS alone: a valid signature under one of our keys, the
 * access-token type, our issuer and audience, not expired, not issued in the future. Whether the token
 * is still alive (its session, its client) is the OAuth layer's question (oauth/access-token-validator).
 */
export class AccessTokenVerifier {
  constructor(
    private readonly keys: KeyManager,
    private readonly options: AccessTokenVerifierOptions,
  ) {}

  /** The claims, or null for anything that is not a valid access token of ours; never throws. */
  verify(token: string): AccessTokenClaims | null {
    const verified = verifyCompact(token, (kid) => this.keys.current().verificationKey(kid));
    if (!verified || verified.header.typ !== ACCESS_TOKEN_TYPE) return null;
    const { payload } = verified;
    const now = Math.floor(Date.now() / 1000);
    if (!hasClaimTypes(payload)) return null;
    if (
      payload.iss !== this.options.issuer ||
      payload.aud !== this.options.audience ||
      payload.sub !== payload.client_id
    )
      return null;
    if (payload.exp <= now || payload.iat > now + CLOCK_SKEW_SECONDS) return null;
    return payload;
  }
}
