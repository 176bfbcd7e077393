import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AuditTrail } from '../audit/event.js';
import type { AuditEventType } from '../audit/event-types.js';
import type { ProxyTrust } from '../config/proxy-trust.js';
import { clientIp } from '../http/client-ip.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { ClientClosedRequestError } from '../x/errors.js';
import type { AuthenticationFailures } from './authentication-failures.js';
import { InvalidClientError, type OAuthError, RateLimitedError } from './errors.js';
import type { FailureCheck } from './failure-check.js';
import { OAUTH_ANSWERS, sendOAuthEmpty, sendOAuthError, sendOAuthJson, toOAuthError } from './respond.js';

/** One request to an OAuth endpoint. */
export interface OAuthCall {
  readonly req: IncomingMessage;
  readonly ip: string;
  /**
   * The client the request names, once it is found to exist, so that denials are attributed to it. Never
   * what the caller sent before it is found: that may be junk, or a secret sent in the wrong field.
   */
  clientId: string | null;
  /** That client's organization, once it is found, so that its org-admins see the denial too. */
  organizationId: string | null;
  /** Whether failed authentications block the caller, once its client_id is known. */
  failureCheck: FailureCheck | null;
  /** Headers for a 200 answer besides the usual ones (a fresh `DPoP-Nonce`); null on the hot path. */
  answerHeaders: Record<string, string> | null;
}

export interface OAuthEndpointContext {
  readonly audit: AuditTrail;
  readonly failures: AuthenticationFailures;
  readonly metrics: Metrics;
  readonly proxyTrust: ProxyTrust;
  readonly logger: Logger;
}

/** What an endpoint reports to the metrics: O(1) per request. */
export interface OAuthOutcomes<A extends OAuthAnswer> {
  /** `startedAt` is `performance.now()` when the request arrived. */
  answered(answer: A, startedAt: number): void;
  denied(reason: string): void;
}

/** What an OAuth endpoint answers with 200: a JSON body, or nothing (revocation). */
export type OAuthAnswer = object | undefined;

/** The audit event of a refusal concerning a client that exists. */
type DeniedEvent = Extract<AuditEventType, `${string}.denied`>;

export type OAuthEndpoint = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** A blocked caller gets 429 whatever else failed, so that no error confirms its credentials either. */
async function blockedInstead(call: OAuthCall, error: unknown): Promise<unknown> {
  try {
    await call.failureCheck?.assertNotBlocked();
    return error;
  } catch (blocked) {
    return blocked;
  }
}

/**
 * A refusal concerning a client that exists is audited as `deniedEvent`, so the client's administrators
 * see it. Refusals of anonymous callers (no or malformed credentials, a client_id that names no client)
 * and of blocked callers are only counted, in the metrics and against the caller's address, and logged at
 * debug level: the audit trail gets one event per block instead (see AuthenticationFailures), so junk
 * from an address cannot fill the database.
 */
function recordDenial(
  context: OAuthEndpointContext,
  deniedEvent: DeniedEvent,
  call: OAuthCall,
  error: OAuthError,
): void {
  const blocked = error instanceof RateLimitedError && error.limit === 'failed_authentication';
  if (call.clientId === null || blocked) {
    context.logger.debug({ ip: call.ip, client_id: call.clientId, reason: error.reason }, deniedEvent);
    return;
  }
  context.audit.record({
    type: deniedEvent,
    actor: null,
    client_id: call.clientId,
    organization_id: call.organizationId,
    ip: call.ip,
    details: {
      reason: error.reason,
      error: OAUTH_ANSWERS[error.code].error,
      ...(error instanceof RateLimitedError ? { limit: error.limit } : {}),
      ...(error instanceof InvalidClientError ? error.details : null),
    },
  });
}

/**
 * The frame shared by our raw-node OAuth endpoints (token, introspection, revocation): a 200 answer
 * with `Cache-Control: no-store`, or an RFC 6749 §5.2 error (see recordDenial for what is audited).
 * Nothing is answered before the caller's failed-authentication verdict is in (see FailureCheck).
 */
export function createOAuthEndpoint<A extends OAuthAnswer>(
  context: OAuthEndpointContext,
  deniedEvent: DeniedEvent,
  handle: (call: OAuthCall) => Promise<A>,
  outcomes?: OAuthOutcomes<A>,
): OAuthEndpoint {
  return async (req, res) => {
    const startedAt = performance.now();
    const call: OAuthCall = {
      req,
      ip: clientIp(req, context.proxyTrust),
      clientId: null,
      organizationId: null,
      failureCheck: null,
      answerHeaders: null,
    };
    try {
      const answer = await handle(call);
      await call.failureCheck?.assertNotBlocked();
      if (answer === undefined) sendOAuthEmpty(res);
      else sendOAuthJson(res, answer, call.answerHeaders);
      outcomes?.answered(answer, startedAt);
    } catch (error) {
      if (error instanceof ClientClosedRequestError) {
        context.logger.debug({ ip: call.ip }, error.message);
        outcomes?.denied(error.code);
        return;
      }
      const oauthError = toOAuthError(await blockedInstead(call, error), context.logger);
      recordDenial(context, deniedEvent, call, oauthError);
      sendOAuthError(res, oauthError);
      outcomes?.denied(oauthError.reason);
    }
  };
}
