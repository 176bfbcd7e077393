import type { ClientRecord } from '../clients/types.js';
import type { RoleCatalog } from '../roles/catalog.js';
import type { AccessTokenClaims } from '../tokens/types.js';
import { type Confirmation, tokenTypeOf } from '../x/confirmation.js';
import { ADMIN_SCOPE, INTROSPECT_SCOPE } from '../x/scopes.js';
import type { AccessTokenValidator } from './access-token-validator.js';
import { authenticateCaller, type CallerAuthentication } from './authenticate-caller.js';
import { createOAuthEndpoint, type OAuthCall, type OAuthEndpoint, type OAuthEndpointContext } from './endpoint.js';
import { InvalidRequestError } from './errors.js';

export interface IntrospectionEndpointDependencies extends OAuthEndpointContext, CallerAuthentication {
  readonly roles: RoleCatalog;
  readonly validator: AccessTokenValidator;
}

type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      client_id: string;
      sub: string;
      scope: string;
      role: string;
      aud: string;
      iss: string;
      exp: number;
      iat: number;
      jti: string;
      token_type: 'Bearer' | 'DPoP';
      org_id?: string;
      cnf?: Confirmation;
    };

/** A role granting one of these may introspect any client's token; other clients only their own. */
const INTROSPECT_ANY_TOKEN_SCOPES = [INTROSPECT_SCOPE, ADMIN_SCOPE];

const INACTIVE: IntrospectionResponse = Object.freeze({ active: false });

function activeResponse(claims: AccessTokenClaims): IntrospectionResponse {
  return {
    active: true,
    client_id: claims.client_id,
    sub: claims.sub,
    scope: claims.scope,
    role: claims.role,
    aud: claims.aud,
    iss: claims.iss,
    exp: claims.exp,
    iat: claims.iat,
    jti: claims.jti,
    token_type: tokenTypeOf(claims.cnf),
    ...(typeof claims.org_id === 'string' ? { org_id: claims.org_id } : {}),
    ...(claims.cnf ? { cnf: claims.cnf } : {}),
  };
}

/**
 * POST /token/introspection (RFC 7662), the authoritative answer for our JWTs: active only with a valid
 * signature under one of our keys, unexpired, its session alive and its client active. Garbage, foreign,
 * forged and other clients' tokens are `{active: false}`; a session store that cannot answer is a 503
 * (never a guess either way). token_type_hint is ignored: access tokens are the only kind we issue.
 */
export function createIntrospectionEndpoint(deps: IntrospectionEndpointDependencies): OAuthEndpoint {
  async function introspect(call: OAuthCall): Promise<IntrospectionResponse> {
    const { params, client } = await authenticateCaller(call, deps);
    const token = params.get('token');
    if (!token) throw new InvalidRequestError('token is required');
    const claims = deps.validator.verifyOffline(token);
    if (!claims) return INACTIVE;
    // Checked before the session store is asked, so another client's token costs nothing and reveals nothing.
    if (claims.client_id !== client.record.clientId && !mayIntrospect(client.record, claims)) return INACTIVE;
    return (await deps.validator.isAlive(claims)) ? activeResponse(claims) : INACTIVE;
  }

  /**
   * Another client's token: the caller's role must grant introspection, and a caller that belongs to an
   * organization sees only that organization's tokens (an org-admin can create resource servers, which
   * must not read other tenants' tokens). Platform-level resource servers see every token.
   */
  function mayIntrospect(caller: ClientRecord, claims: AccessTokenClaims): boolean {
    if (caller.organizationId !== null && claims.org_id !== caller.organizationId) return false;
    const role = deps.roles.find(caller.role);
    return !!role?.scopes.some((scope) => INTROSPECT_ANY_TOKEN_SCOPES.includes(scope));
  }

  return createOAuthEndpoint(deps, 'introspection.denied', introspect, {
    answered: (answer) => deps.metrics.introspected(answer.active ? 'active' : 'inactive'),
    denied: (reason) => deps.metrics.introspected(reason),
  });
}
