import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditTrail } from '../audit/types.js';
import { clientIp, type ProxyTrust } from '../http/client-ip.js';
import type { Logger } from '../observability/logger.js';
import { sendOAuthEmpty, sendOAuthError, sendOAuthJson, toOAuthError } from './respond.js';

/** One request to an OAuth endpoint. */
export interface OAuthCall {
  readonly req: IncomingMessage;
  readonly ip: string;
  /** The client named by the request, once known, so that denials are attributed to it. */
  clientId: string | null;
  /** That client's organization, once it is found, so that its org-admins see the denial too. */
  organizationId: string | null;
}

export interface OAuthEndpointContext {
  readonly audit: AuditTrail;
  readonly proxyTrust: ProxyTrust;
  readonly logger: Logger;
}

/** What an OAuth endpoint answers with 200: a JSON body, or nothing (revocation). */
export type OAuthAnswer = object | undefined;

export type OAuthEndpoint = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The frame shared by our raw-node OAuth endpoints (token, introspection, revocation): a 200 answer
 * with `Cache-Control: no-store`, or an RFC 6749 §5.2 error recorded as `deniedEvent` in the audit trail.
 */
export function createOAuthEndpoint(context: OAuthEndpointContext, deniedEvent: string, handle: (call: OAuthCall) => Promise<OAuthAnswer>): OAuthEndpoint {
  return async (req, res) => {
    const call: OAuthCall = { req, ip: clientIp(req, context.proxyTrust), clientId: null, organizationId: null };
    try {
      const answer = await handle(call);
      if (answer === undefined) sendOAuthEmpty(res);
      else sendOAuthJson(res, answer);
    } catch (error) {
      const oauthError = toOAuthError(error, context.logger);
      context.audit.record({
        type: deniedEvent,
        actor: null,
        client_id: call.clientId,
        organization_id: call.organizationId,
        ip: call.ip,
        details: { reason: oauthError.reason, error: oauthError.error },
      });
      sendOAuthError(res, oauthError);
    }
  };
}
