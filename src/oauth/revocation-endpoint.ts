import type { SessionService } from '../sessions/service.js';
import type { AccessTokenValidator } from './access-token-validator.js';
import { authenticateCaller, type CallerAuthentication } from './authenticate-caller.js';
import { createOAuthEndpoint, type OAuthCall, type OAuthEndpoint, type OAuthEndpointContext } from './endpoint.js';
import { InvalidRequestError, UnauthorizedClientError } from './errors.js';

export interface RevocationEndpointDependencies extends OAuthEndpointContext, CallerAuthentication {
  readonly validator: AccessTokenValidator;
  readonly sessions: SessionService;
}

/**
 * POST /token/revocation (RFC 7009): a client revokes its own access token. Tokens that are no longer
 * valid (not ours, malformed, expired, already revoked, or dead because their client changed) get the
 * same 200 (§2.2), whoever they were issued to. Only a live token of another client is refused with
 * unauthorized_client and left alone (§2.1): a silent 200 would let the caller believe a token it does
 * not own was cut off. Administrators revoke any token through the sessions API.
 * token_type_hint is ignored: access tokens are the only kind we issue.
 */
export function createRevocationEndpoint(deps: RevocationEndpointDependencies): OAuthEndpoint {
  async function revoke(call: OAuthCall): Promise<undefined> {
    const { params, client, failureCheck } = await authenticateCaller(call, deps);
    const token = params.get('token');
    if (!token) throw new InvalidRequestError('token is required');
    const claims = deps.validator.verifyOffline(token);
    if (!claims) return undefined;
    const { record } = client;
    if (claims.client_id !== record.clientId) {
      if (!(await deps.validator.isAlive(claims))) return undefined;
      throw new UnauthorizedClientError(
        'not_token_owner',
        'this token was issued to another client; only that client may revoke it',
      );
    }
    // A blocked caller must not revoke anything, even with the right secret.
    await failureCheck.assertNotBlocked();
    await deps.sessions.revokeToken(record, claims.jti, {
      clientId: record.clientId,
      organizationId: record.organizationId,
      ip: call.ip,
      requestId: null,
    });
    return undefined;
  }

  return createOAuthEndpoint(deps, 'revocation.denied', revoke, {
    answered: () => deps.metrics.revocation('revoked'),
    denied: (reason) => deps.metrics.revocation(reason),
  });
}
