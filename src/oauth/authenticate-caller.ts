import { authenticateClient } from '../clients/authenticate.js';
import type { CachedClient, ClientLookup } from '../clients/lookup.js';
import type { FailureLimiter } from '../limits/types.js';
import type { ApiSwitch } from '../settings/api-switch.js';
import { extractClientCredentials } from './client-credentials.js';
import type { OAuthCall } from './endpoint.js';
import { InvalidClientError, UnauthorizedClientError } from './errors.js';
import { FailureCheck } from './failure-check.js';
import { readForm } from './form.js';

export interface CallerAuthentication {
  readonly clients: ClientLookup;
  readonly failures: FailureLimiter;
  readonly apiSwitch: ApiSwitch;
}

export interface AuthenticatedCall {
  readonly params: ReadonlyMap<string, string>;
  readonly client: CachedClient;
  /** Await before any side effect: a blocked caller must not cause one (the frame awaits it before answering). */
  readonly failureCheck: FailureCheck;
}

const API_DISABLED = {
  platform: 'the API is disabled on this platform; try again once an administrator enables it',
  organization: "the API is disabled for this client's organization; try again once its administrators enable it",
} as const;

/**
 * The client authentication every OAuth endpoint shares (token, introspection, revocation): the form,
 * client_secret_basic or client_secret_post, the secret (current, or previous within its grace period),
 * an active status, the client's IP allowlist and its API switches. The allowlist fences where a client's
 * credentials may be used at all, so a leaked resource-server secret cannot probe or revoke tokens from
 * elsewhere; a switched-off API (platform, or the client's organization) is off for every endpoint.
 *
 * Failed authentications are counted per (client_id, address) and per address, on all three endpoints,
 * so no endpoint is a way around the limits. A blocked caller gets 429 whatever it sends.
 */
export async function authenticateCaller(call: OAuthCall, deps: CallerAuthentication): Promise<AuthenticatedCall> {
  const params = await readForm(call.req);
  const credentials = extractClientCredentials(call.req.headers, params);
  call.clientId = credentials.clientId;
  const failureCheck = new FailureCheck(deps.failures, call.ip, credentials.clientId);
  call.failureCheck = failureCheck;
  const authentication = await authenticateClient(deps.clients, credentials.clientId, credentials.clientSecret);
  call.organizationId = authentication.client?.record.organization_id ?? null;
  if (!authentication.ok) {
    await failureCheck.assertNotBlocked();
    await deps.failures.recordFailure(call.ip, credentials.clientId);
    throw new InvalidClientError(authentication.reason);
  }
  if (!authentication.client.allowsIp(call.ip)) throw new UnauthorizedClientError('ip_not_allowed', 'this client may not authenticate from this IP address');
  const lock = deps.apiSwitch.lockFor(authentication.client.record);
  if (lock) throw new UnauthorizedClientError('api_disabled', API_DISABLED[lock]);
  return { params, client: authentication.client, failureCheck };
}
