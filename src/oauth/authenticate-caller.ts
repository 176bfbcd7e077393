import { authenticateClient } from '../clients/authenticate.js';
import type { CachedClient, ClientLookup } from '../clients/lookup.js';
import type { ApiSwitch } from '../settings/api-switch.js';
import type { AuthenticationFailures } from './authentication-failures.js';
import { type ClientCredentials, extractClientCredentials } from './client-credentials.js';
import type { OAuthCall } from './endpoint.js';
import { InvalidClientError, OAuthError, UnauthorizedClientError } from './errors.js';
import type { FailureCheck } from './failure-check.js';
import { readForm } from './form.js';

export interface CallerAuthentication {
  readonly clients: ClientLookup;
  readonly failures: AuthenticationFailures;
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
 * The form and the credentials in it. A request that fails here (wrong content type, no credentials,
 * a malformed client_id or Basic header, ...) names no client: it is a failure of its address, so junk
 * is limited like guessing, and a blocked address gets 429 whatever it sends.
 */
async function readCredentials(
  call: OAuthCall,
  failures: AuthenticationFailures,
): Promise<{ params: Map<string, string>; credentials: ClientCredentials }> {
  try {
    const params = await readForm(call.req);
    return { params, credentials: extractClientCredentials(call.req.headers, params) };
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    call.failureCheck = failures.check(call.ip, null);
    await call.failureCheck.assertNotBlocked();
    await failures.record({ ip: call.ip, clientId: null, client: null });
    throw error;
  }
}

/**
 * The client authentication every OAuth endpoint shares (token, introspection, revocation): the form,
 * client_secret_basic or client_secret_post, the secret (current, or previous within its grace period),
 * an active status, the client's IP allowlist and its API switches. The allowlist fences where a client's
 * credentials may be used at all, so a leaked resource-server secret cannot probe or revoke tokens from
 * elsewhere; a switched-off API (platform, or the client's organization) is off for every endpoint.
 *
 * Failed authentications are counted per (client_id, address) and per address, on all three endpoints,
 * so no endpoint is a way around the limits. A blocked caller gets 429 whatever it sends, and costs no
 * database query: a client that is not cached is looked up only once the caller is known not blocked.
 */
export async function authenticateCaller(call: OAuthCall, deps: CallerAuthentication): Promise<AuthenticatedCall> {
  const { params, credentials } = await readCredentials(call, deps.failures);
  const failureCheck = deps.failures.check(call.ip, credentials.clientId);
  call.failureCheck = failureCheck;
  const authentication = await authenticateClient(deps.clients, credentials.clientId, credentials.clientSecret, () =>
    failureCheck.assertNotBlocked(),
  );
  const record = authentication.client?.record ?? null;
  call.clientId = record?.client_id ?? null;
  call.organizationId = record?.organization_id ?? null;
  if (!authentication.ok) {
    await failureCheck.assertNotBlocked();
    await deps.failures.record({ ip: call.ip, clientId: credentials.clientId, client: record });
    throw new InvalidClientError(authentication.reason);
  }
  if (!authentication.client.allowsIp(call.ip))
    throw new UnauthorizedClientError('ip_not_allowed', 'this client may not authenticate from this IP address');
  const lock = deps.apiSwitch.lockFor(authentication.client.record);
  if (lock) throw new UnauthorizedClientError('api_disabled', API_DISABLED[lock]);
  return { params, client: authentication.client, failureCheck };
}
