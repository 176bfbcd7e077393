import type { ClientLookup } from '../clients/lookup.js';
import { CLOCK_SKEW_SECONDS } from '../config/config.js';
import type { KeyManager } from '../keys/key-manager.js';
import type { RoleCatalog } from '../roles/catalog.js';
import type { ApiSwitch } from '../settings/api-switch.js';
import type { SessionStore } from '../sessions/types.js';
import { verifyCompact } from './jws.js';
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims } from './types.js';

export interface AccessTokenValidatorOptions {
  readonly issuer: string;
  readonly audience: string;
}

function hasClaimTypes(payload: Record<string, unknown>): payload is Record<string, unknown> & AccessTokenClaims {
  const strings = ['iss', 'sub', 'client_id', 'aud', 'scope', 'role', 'jti'] as const;
  return (
    strings.every((name) => typeof payload[name] === 'string') &&
    Number.isInteger(payload.iat) &&
    Number.isInteger(payload.exp) &&
    (payload.org_id === undefined || typeof payload.org_id === 'string')
  );
}

/**
 * The authoritative answer to "is this access token good right now?": a valid signature under one of
 * our keys, our issuer and audience, not expired, its session alive, its client still active and still
 * in the organization the token names, and no API switch off for that client.
 * Anything else is null, never an exception, except when the session store or database cannot answer:
 * then the error propagates, because "inactive" would be a guess.
 */
export class AccessTokenValidator {
  constructor(
    private readonly keys: KeyManager,
    private readonly sessions: SessionStore,
    private readonly clients: ClientLookup,
    private readonly apiSwitch: ApiSwitch,
    private readonly roles: RoleCatalog,
    private readonly options: AccessTokenValidatorOptions,
  ) {}

  async validate(token: string): Promise<AccessTokenClaims | null> {
    const claims = this.verifyOffline(token);
    return claims && (await this.isAlive(claims)) ? claims : null;
  }

  /**
   * The online half of `validate`, for claims `verifyOffline` returned: session alive, client active and
   * still what the token says (role, organization, scopes its role still grants), not issued before the
   * client's token cutoff, API switched on.
   */
  async isAlive(claims: AccessTokenClaims): Promise<boolean> {
    const [session, client] = await Promise.all([this.sessions.get(claims.client_id, claims.jti), this.clients.find(claims.client_id)]);
    if (session === null || client === null) return false;
    const { record } = client;
    if (record.status !== 'active' || claims.role !== record.role || (claims.org_id ?? null) !== record.organization_id) return false;
    if (record.tokens_valid_after !== null && session.issued_at_ms < record.tokens_valid_after.getTime()) return false;
    if (this.apiSwitch.lockFor(record) !== null) return false;
    const role = await this.roles.find(record.role);
    return role !== undefined && claims.scope.split(' ').every((scope) => role.scopes.includes(scope));
  }

  /** What a resource server checks with the JWKS alone. */
  verifyOffline(token: string): AccessTokenClaims | null {
    const verified = verifyCompact(token, (kid) => this.keys.current().verificationKey(kid));
    if (!verified || verified.header.typ !== ACCESS_TOKEN_TYPE) return null;
    const { payload } = verified;
    const now = Math.floor(Date.now() / 1000);
    if (!hasClaimTypes(payload)) return null;
    if (payload.iss !== this.options.issuer || payload.aud !== this.options.audience || payload.sub !== payload.client_id) return null;
    if (payload.exp <= now || payload.iat > now + CLOCK_SKEW_SECONDS) return null;
    return payload;
  }
}
