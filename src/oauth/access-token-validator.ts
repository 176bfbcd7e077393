import type { ClientLookup } from '../clients/lookup.js';
import type { RoleCatalog } from '../roles/catalog.js';
import type { SessionStore } from '../sessions/types.js';
import type { ApiSwitch } from '../settings/api-switch.js';
import type { AccessTokenClaims } from '../tokens/types.js';
import type { AccessTokenVerifier } from '../tokens/verifier.js';

/**
 * The authoritative answer to "is this access token good right now?", for introspection, revocation and
 * the admin API: what a resource server checks offline (AccessTokenVerifier), then its session alive, its
 * client still active and still in the organization the token names, and no API switch off for it.
 * Anything else is null, never an exception, except when the session store or database cannot answer:
 * then the error propagates, because "inactive" would be a guess.
 */
export class AccessTokenValidator {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly sessions: SessionStore,
    private readonly clients: ClientLookup,
    private readonly apiSwitch: ApiSwitch,
    private readonly roles: RoleCatalog,
  ) {}

  async validate(token: string): Promise<AccessTokenClaims | null> {
    const claims = this.verifyOffline(token);
    return claims && (await this.isAlive(claims)) ? claims : null;
  }

  /** What a resource server checks with the JWKS alone. */
  verifyOffline(token: string): AccessTokenClaims | null {
    return this.verifier.verify(token);
  }

  /**
   * The online half of `validate`, for claims `verifyOffline` returned: session alive, client active and
   * still what the token says (role, organization, scopes its role still grants), not issued before the
   * client's token cutoff, API switched on.
   */
  async isAlive(claims: AccessTokenClaims): Promise<boolean> {
    const [session, client] = await Promise.all([
      this.sessions.get(claims.client_id, claims.jti),
      this.clients.find(claims.client_id),
    ]);
    if (session === null || client === null) return false;
    const { record } = client;
    if (record.status !== 'active' || claims.role !== record.role || (claims.org_id ?? null) !== record.organizationId)
      return false;
    if (record.tokensValidAfter !== null && session.issued_at_ms < record.tokensValidAfter.getTime()) return false;
    if (this.apiSwitch.lockFor(record) !== null) return false;
    const role = this.roles.find(record.role);
    return role !== undefined && claims.scope.split(' ').every((scope) => role.scopes.includes(scope));
  }
}
