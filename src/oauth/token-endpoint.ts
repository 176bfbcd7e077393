import type { LastUsedRecorder } from '../clients/last-used.js';
import { ACCESS_TOKEN_TTL_SECONDS } from '../config/constants.js';
import type { RoleCatalog } from '../roles/catalog.js';
import { IssuanceRateExceededError, SessionLimitReachedError, type TokenIssuer } from '../tokens/issuer.js';
import type { IssuedToken } from '../tokens/types.js';
import { tokenTypeOf } from '../x/confirmation.js';
import { authenticateCaller, type CallerAuthentication } from './authenticate-caller.js';
import { createOAuthEndpoint, type OAuthCall, type OAuthEndpoint, type OAuthEndpointContext } from './endpoint.js';
import { InvalidRequestError, RateLimitedError, UnauthorizedClientError, UnsupportedGrantTypeError } from './errors.js';
import { grantScopes } from './scope.js';
import { confirmationFor, type SenderConstraintDependencies } from './sender-constraint.js';

export interface TokenEndpointDependencies
  extends OAuthEndpointContext,
    CallerAuthentication,
    SenderConstraintDependencies {
  readonly roles: RoleCatalog;
  readonly issuer: TokenIssuer;
  readonly lastUsed: LastUsedRecorder;
}

interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope: string;
}

/**
 * POST /token for grant_type=client_credentials, ahead of oidc-provider (see README, Architecture):
 * the same RFC 6749 responses, without the per-request middleware stack that oidc-provider runs.
 */
export function createTokenEndpoint(deps: TokenEndpointDependencies): OAuthEndpoint {
  /** A token that will not be handed out after all is withdrawn; should that fail, it expires unused. */
  async function withdraw(token: IssuedToken): Promise<void> {
    await deps.issuer
      .discard(token)
      .catch((error: unknown) =>
        deps.logger.warn({ err: error, jti: token.claims.jti }, 'could not withdraw an unused token'),
      );
  }

  async function issueToken(call: OAuthCall): Promise<TokenResponse> {
    const { params, client, failureCheck, method, details, facts } = await authenticateCaller(call, deps);
    const grantType = params.get('grant_type');
    if (!grantType) throw new InvalidRequestError('grant_type is required');
    if (grantType !== 'client_credentials') throw new UnsupportedGrantTypeError();
    const { record } = client;
    const role = deps.roles.find(record.role);
    if (!role) throw new UnauthorizedClientError('unknown_role', `the client's role "${record.role}" no longer exists`);
    const scopes = grantScopes(role.scopes, params.get('scope'));
    const confirmation = await confirmationFor(call, facts, record, deps);
    const grant = {
      clientId: record.clientId,
      role: role.name,
      scopes,
      organizationId: record.organizationId,
      ip: call.ip,
      confirmation,
    };
    const token = await deps.issuer.issue(grant).catch((error: unknown) => {
      if (error instanceof SessionLimitReachedError) {
        throw new UnauthorizedClientError(
          'session_limit',
          `${error.message}; reuse tokens until they expire or revoke unused ones`,
        );
      }
      if (error instanceof IssuanceRateExceededError) {
        throw new RateLimitedError(
          'token_issuance',
          error.retryAfterMs,
          `${error.message}; reuse the tokens it holds, they live 24 hours`,
        );
      }
      throw error;
    });
    // Signed alongside the failure check rather than after it (no extra round trip): the rare token
    // granted to a blocked caller is withdrawn, never returned, and does not count toward its rate.
    await failureCheck.assertNotBlocked().catch(async (error: unknown) => {
      await withdraw(token);
      throw error;
    });
    deps.lastUsed.record(record);
    deps.audit.record({
      type: 'token.issued',
      actor: record.clientId,
      client_id: record.clientId,
      organization_id: record.organizationId,
      ip: call.ip,
      details: {
        jti: token.claims.jti,
        kid: token.kid,
        scope: token.claims.scope,
        auth_method: method,
        ...(details ? { authentication: details } : {}),
        ...(confirmation ? { cnf: confirmation } : {}),
      },
    });
    return {
      access_token: token.accessToken,
      token_type: tokenTypeOf(confirmation),
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      scope: token.claims.scope,
    };
  }

  return createOAuthEndpoint(deps, 'token.denied', issueToken, {
    answered: (_answer, startedAt) => deps.metrics.tokenIssued(startedAt),
    denied: (reason) => deps.metrics.tokenDenied(reason),
  });
}
