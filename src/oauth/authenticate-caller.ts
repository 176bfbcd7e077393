import { authenticateClient } from '../clients/authenticate.js';
import type { CachedClient, ClientLookup } from '../clients/lookup.js';
import { extractClientCredentials } from './client-credentials.js';
import type { OAuthCall } from './endpoint.js';
import { InvalidClientError, UnauthorizedClientError } from './errors.js';
import { readForm } from './form.js';

export interface AuthenticatedCall {
  readonly params: ReadonlyMap<string, string>;
  readonly client: CachedClient;
}

/**
 * The client authentication every OAuth endpoint shares (token, introspection, revocation): the form,
 * client_secret_basic or client_secret_post, the secret (current, or previous within its grace period),
 * an active status, and the client's IP allowlist. The allowlist fences where a client's credentials
 * may be used at all, so a leaked resource-server secret cannot probe or revoke tokens from elsewhere.
 */
export async function authenticateCaller(call: OAuthCall, clients: ClientLookup): Promise<AuthenticatedCall> {
  const params = await readForm(call.req);
  const credentials = extractClientCredentials(call.req.headers, params);
  call.clientId = credentials.clientId;
  const authentication = await authenticateClient(clients, credentials.clientId, credentials.clientSecret);
  call.organizationId = authentication.client?.record.organization_id ?? null;
  if (!authentication.ok) throw new InvalidClientError(authentication.reason);
  if (!authentication.client.allowsIp(call.ip)) throw new UnauthorizedClientError('ip_not_allowed', 'this client may not authenticate from this IP address');
  return { params, client: authentication.client };
}
