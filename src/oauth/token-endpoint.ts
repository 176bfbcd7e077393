import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticateClient } from '../clients/authenticate.js';
import type { AuditTrail } from '../audit/types.js';
import type { LastUsedRecorder } from '../clients/last-used.js';
import type { ClientLookup } from '../clients/lookup.js';
import { ACCESS_TOKEN_TTL_SECONDS } from '../config/config.js';
import { clientIp } from '../http/client-ip.js';
import type { Logger } from '../observability/logger.js';
import type { RoleCatalog } from '../roles/catalog.js';
import { SessionLimitReachedError, type TokenIssuer } from '../tokens/issuer.js';
import { extractClientCredentials } from './client-credentials.js';
import { InvalidClientError, InvalidRequestError, UnauthorizedClientError, UnsupportedGrantTypeError } from './errors.js';
import { readForm } from './form.js';
import { sendOAuthError, sendOAuthJson, toOAuthError } from './respond.js';
import { grantScopes } from './scope.js';

export interface TokenEndpointDependencies {
  readonly clients: ClientLookup;
  readonly roles: RoleCatalog;
  readonly issuer: TokenIssuer;
  readonly lastUsed: LastUsedRecorder;
  readonly audit: AuditTrail;
  readonly trustedProxyHops: number;
  readonly logger: Logger;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/**
 * POST /token for grant_type=client_credentials, ahead of oidc-provider (see README, Architecture):
 * the same RFC 6749 responses, without the per-request middleware stack that oidc-provider runs.
 */
export function createTokenEndpoint(deps: TokenEndpointDependencies) {
  /** The client named by the request, once known, so that denials are attributed to it. */
  interface Attempt {
    clientId: string | null;
  }

  async function issueToken(req: IncomingMessage, ip: string, attempt: Attempt): Promise<TokenResponse> {
    const params = await readForm(req);
    const grantType = params.get('grant_type');
    if (!grantType) throw new InvalidRequestError('grant_type is required');
    if (grantType !== 'client_credentials') throw new UnsupportedGrantTypeError();
    const credentials = extractClientCredentials(req.headers, params);
    attempt.clientId = credentials.clientId;
    const authentication = await authenticateClient(deps.clients, credentials.clientId, credentials.clientSecret);
    if (!authentication.ok) throw new InvalidClientError(authentication.reason);
    const { record, allowsIp } = authentication.client;
    if (!allowsIp(ip)) throw new UnauthorizedClientError('ip_not_allowed', 'this client may not request tokens from this IP address');
    const role = await deps.roles.find(record.role);
    if (!role) throw new UnauthorizedClientError('unknown_role', `the client's role "${record.role}" no longer exists`);
    const scopes = grantScopes(role.scopes, params.get('scope'));
    const token = await deps.issuer.issue({ clientId: record.client_id, role: role.name, scopes, organizationId: null, ip }).catch((error: unknown) => {
      if (error instanceof SessionLimitReachedError) {
        throw new UnauthorizedClientError('session_limit', `${error.message}; reuse tokens until they expire or revoke unused ones`);
      }
      throw error;
    });
    deps.lastUsed.record(record.client_id);
    deps.audit.record({ type: 'token.issued', actor: record.client_id, client_id: record.client_id, ip, details: { jti: token.claims.jti, kid: token.kid, scope: token.claims.scope } });
    return { access_token: token.accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS, scope: token.claims.scope };
  }

  return async function handleTokenRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ip = clientIp(req, deps.trustedProxyHops);
    const attempt: Attempt = { clientId: null };
    try {
      sendOAuthJson(res, await issueToken(req, ip, attempt));
    } catch (error) {
      const oauthError = toOAuthError(error, deps.logger);
      deps.audit.record({ type: 'token.denied', actor: null, client_id: attempt.clientId, ip, details: { reason: oauthError.reason, error: oauthError.error } });
      sendOAuthError(res, oauthError);
    }
  };
}
