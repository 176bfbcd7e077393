import type { ClientAuthMethods } from '../client-auth/methods.js';
import {
  type AuthDetails,
  type AuthMethodName,
  type ClientAuthMethod,
  isRefusal,
  isUnreadable,
  type Presentation,
  type RequestFacts,
} from '../client-auth/types.js';
import type { CachedClient, ClientLookup } from '../clients/lookup.js';
import { isWellFormedClientId } from '../clients/schemas.js';
import { type ClientCertificate, type ClientCertificateSource, clientCertificate } from '../http/client-certificate.js';
import type { ApiSwitch } from '../settings/api-switch.js';
import type { AuthenticationFailures } from './authentication-failures.js';
import type { OAuthCall } from './endpoint.js';
import { InvalidClientError, InvalidRequestError, OAuthError, UnauthorizedClientError } from './errors.js';
import type { FailureCheck } from './failure-check.js';
import { readForm } from './form.js';

export interface CallerAuthentication {
  readonly clients: ClientLookup;
  /** Where a client certificate may come from (RFC 8705). */
  readonly certificates: ClientCertificateSource;
  readonly methods: ClientAuthMethods;
  readonly failures: AuthenticationFailures;
  readonly apiSwitch: ApiSwitch;
}

export interface AuthenticatedCall {
  readonly params: ReadonlyMap<string, string>;
  readonly client: CachedClient;
  /** How the client authenticated, and what the audit trail may say about it (a key id, a federated credential). */
  readonly method: AuthMethodName;
  readonly details: AuthDetails | null;
  /** The facts read at the edge, for what follows authentication (sender constraints). */
  readonly facts: RequestFacts;
  /** Await before any side effect: a blocked caller must not cause one (the frame awaits it before answering). */
  readonly failureCheck: FailureCheck;
}

const API_DISABLED = {
  platform: 'the API is disabled on this platform; try again once an administrator enables it',
  organization: "the API is disabled for this client's organization; try again once its administrators enable it",
} as const;

const SEVERAL_METHODS = 'use one client authentication method, not several';
const NO_METHOD = 'client authentication is required (client_secret_basic, client_secret_post or private_key_jwt)';

/** What the request says about its client, read once; see RequestFacts. */
async function readFacts(call: OAuthCall, certificates: ClientCertificateSource): Promise<RequestFacts> {
  const { req } = call;
  const dpop = req.headers.dpop;
  let certificate: ClientCertificate | null | undefined;
  return {
    ip: call.ip,
    authorization: req.headers.authorization,
    params: await readForm(req),
    dpop: typeof dpop === 'string' ? dpop : undefined,
    get clientCertificate() {
      if (certificate === undefined) certificate = clientCertificate(req, certificates);
      return certificate;
    },
  };
}

/** The one method the request presents and what it presents, or the OAuth error a caller gets instead. */
function readPresentation(
  methods: ClientAuthMethods,
  facts: RequestFacts,
): { method: ClientAuthMethod; presentation: Presentation } {
  const method = methods.presented(facts);
  if (method === 'several') throw new InvalidRequestError(SEVERAL_METHODS);
  if (method === null) throw new InvalidClientError('no_client_authentication', NO_METHOD);
  const presentation = method.read(facts);
  if (isUnreadable(presentation))
    throw presentation.unreadable === 'invalid_request'
      ? new InvalidRequestError(presentation.description)
      : new InvalidClientError(presentation.reason, presentation.description);
  if (!isWellFormedClientId(presentation.clientId)) throw new InvalidClientError('malformed_client_id');
  return { method, presentation };
}

/**
 * The form and the credential in it. A request that fails here (wrong content type, no credentials, two
 * methods, a malformed client_id or Basic header, ...) names no client: it is a failure of its address,
 * so junk is limited like guessing, and a blocked address gets 429 whatever it sends.
 */
async function readRequest(call: OAuthCall, deps: CallerAuthentication) {
  const { failures } = deps;
  try {
    const facts = await readFacts(call, deps.certificates);
    return { facts, ...readPresentation(deps.methods, facts) };
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    call.failureCheck = failures.check(call.ip, null);
    await call.failureCheck.assertNotBlocked();
    await failures.record({ ip: call.ip, clientId: null, client: null });
    throw error;
  }
}

/**
 * The client authentication every OAuth endpoint shares (token, introspection, revocation). It reads the
 * request once (RequestFacts), finds the one method it presents (client-auth/methods.ts; several are
 * `invalid_request`, RFC 6749 §2.3), finds the client, checks that the client is registered for that
 * method, and lets the method verify the credential: a secret (current, or previous within its grace
 * period), a private_key_jwt assertion, a federated workload token. Then an active status, the client's
 * IP allowlist and its API switches. The allowlist fences where a client's credentials may be used at
 * all, so a leaked resource-server credential cannot probe or revoke tokens from elsewhere; a
 * switched-off API (platform, or the client's organization) is off for every endpoint.
 *
 * Every method's failures are counted here per (client_id, address) and per address, on all three
 * endpoints, so no endpoint or method is a way around the limits, and each refusal names its reason
 * (`invalid_secret`, `assertion_replayed`, `unknown_kid`, ...) for the audit trail. A blocked caller gets
 * 429 whatever it sends, and costs no database query: a client that is not cached is looked up only once
 * the caller is known not blocked.
 */
export async function authenticateCaller(call: OAuthCall, deps: CallerAuthentication): Promise<AuthenticatedCall> {
  const { facts, method, presentation } = await readRequest(call, deps);
  const failureCheck = deps.failures.check(call.ip, presentation.clientId);
  call.failureCheck = failureCheck;
  const client = await deps.clients.find(presentation.clientId, () => failureCheck.assertNotBlocked());
  call.clientId = client?.record.clientId ?? null;
  call.organizationId = client?.record.organizationId ?? null;
  const outcome = client ? await verify(method, presentation, client, facts) : UNKNOWN_CLIENT;
  if (isRefusal(outcome)) {
    await failureCheck.assertNotBlocked();
    await deps.failures.record({ ip: call.ip, clientId: presentation.clientId, client: client?.record ?? null });
    throw new InvalidClientError(outcome.refused, undefined, outcome.details);
  }
  const authenticated = client!;
  if (authenticated.record.status !== 'active') {
    await failureCheck.assertNotBlocked();
    await deps.failures.record({ ip: call.ip, clientId: presentation.clientId, client: authenticated.record });
    throw new InvalidClientError('inactive');
  }
  if (!authenticated.allowsIp(call.ip))
    throw new UnauthorizedClientError('ip_not_allowed', 'this client may not authenticate from this IP address');
  const lock = deps.apiSwitch.lockFor(authenticated.record);
  if (lock) throw new UnauthorizedClientError('api_disabled', API_DISABLED[lock]);
  return {
    params: facts.params,
    client: authenticated,
    method: outcome.method,
    details: outcome.details,
    facts,
    failureCheck,
  };
}

const UNKNOWN_CLIENT = { refused: 'unknown_client', details: null } as const;
const WRONG_METHOD = { refused: 'auth_method_not_registered', details: null } as const;

/** The method's verdict; a client registered for another method is refused without looking at the credential. */
function verify(method: ClientAuthMethod, presentation: Presentation, client: CachedClient, facts: RequestFacts) {
  return method.accepts(client) ? method.verify(presentation, client, facts) : WRONG_METHOD;
}
