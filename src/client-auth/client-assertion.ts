import { decodeJwt, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { CachedClient } from '../clients/lookup.js';
import type { FederatedCredential } from '../clients/schemas.js';
import type { ClientAuthenticationLimits } from '../config/config.js';
import type { ReplayCache } from '../limits/replay-cache.js';
import { firstUse, isVerified, verifyAssertion } from './assertion.js';
import type { KeySource } from './key-source.js';
import type { ClientAuthMethod, Evidence, Presentation, Refusal, RequestFacts, Unreadable } from './types.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface AssertionDependencies {
  readonly keys: KeySource;
  readonly replays: ReplayCache;
  /** Tollgate's issuer identifier: the `aud` assertions must carry (RFC 7523bis). */
  readonly issuer: string;
  /** The token endpoint's URL, also accepted as `aud` for compatibility (RFC 7523 §3, OIDC Core §9). */
  readonly tokenEndpoint: string;
  readonly limits: ClientAuthenticationLimits;
}

const refused = (reason: string, details: Refusal['details'] = null): Refusal => ({ refused: reason, details });

function unreadable(unreadableAs: Unreadable['unreadable'], reason: string, description: string): Unreadable {
  return { unreadable: unreadableAs, reason, description };
}

/** The unverified claims, to route the assertion; nothing is trusted before verification. */
function peek(assertion: string): JWTPayload | null {
  try {
    return decodeJwt(assertion);
  } catch {
    return null;
  }
}

/**
 * A claim by path: `kubernetes.io/namespace` is `{"kubernetes.io": {"namespace": ...}}`; a name without
 * `/` is a top-level claim. Only strings, numbers and booleans compare, as their text.
 */
function claimAt(claims: JWTPayload, path: string): string | undefined {
  let value: unknown = claims;
  for (const part of path.split('/')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return ['string', 'number', 'boolean'].includes(typeof value) ? String(value) : undefined;
}

/** RFC 7523 §2.2 `private_key_jwt`: an assertion the client signed with a key it registered. */
async function verifyPrivateKeyJwt(
  deps: AssertionDependencies,
  assertion: string,
  client: CachedClient,
): Promise<Evidence | Refusal> {
  const { clientId, jwks, jwksUri } = client.record;
  if (!jwks && !jwksUri) return refused('no_registered_keys');
  const keys = jwks ? deps.keys.inline(jwks as JSONWebKeySet) : deps.keys.remote(jwksUri!, clientId);
  const verified = await verifyAssertion(assertion, keys, {
    issuer: clientId,
    subject: clientId,
    audience: [deps.issuer, deps.tokenEndpoint],
    maxLifetimeMs: deps.limits.assertionMaxLifetimeMs,
  });
  if (!isVerified(verified)) return verified;
  const details = verified.kid === null ? null : { kid: verified.kid };
  const { jti } = verified.claims;
  if (typeof jti !== 'string' || jti.length === 0) return refused('jti_missing', details);
  if (!(await firstUse(deps.replays, clientId, `assertion ${jti}`, verified.claims)))
    return refused('assertion_replayed', details);
  return { method: 'private_key_jwt', details };
}

/** The credentials whose issuer and subject the token names; the rest cannot match it. */
function candidates(client: CachedClient, claims: JWTPayload): FederatedCredential[] {
  return client.record.federatedCredentials.filter(
    (credential) => credential.issuer === claims.iss && credential.subject === claims.sub,
  );
}

/**
 * Workload identity federation: a token of an external issuer the client trusts (a Kubernetes service
 * account token, a GitHub Actions OIDC token), verified against that issuer's keys and the credential's
 * rules. A token without `jti` is single-use by its own digest.
 */
async function verifyFederated(
  deps: AssertionDependencies,
  assertion: string,
  client: CachedClient,
  unverified: JWTPayload,
): Promise<Evidence | Refusal> {
  const { clientId } = client.record;
  const matching = candidates(client, unverified);
  if (matching.length === 0) {
    const issuerKnown = client.record.federatedCredentials.some((credential) => credential.issuer === unverified.iss);
    return refused(issuerKnown ? 'wrong_subject' : 'untrusted_issuer');
  }
  let last: Refusal | null = null;
  for (const credential of matching) {
    const verified = await verifyAssertion(
      assertion,
      deps.keys.issuer(credential.issuer, credential.jwks_uri, clientId),
      {
        issuer: credential.issuer,
        subject: credential.subject,
        audience: credential.audience ?? deps.issuer,
        maxLifetimeMs: deps.limits.federatedTokenMaxLifetimeMs,
      },
    );
    const matched = { issuer: credential.issuer, subject: credential.subject };
    if (!isVerified(verified)) {
      last = refused(verified.refused, { ...matched, ...verified.details });
      continue;
    }
    const wrongClaim = Object.entries(credential.claims ?? {}).find(
      ([path, expected]) => claimAt(verified.claims, path) !== expected,
    );
    if (wrongClaim) {
      last = refused('wrong_claim', { ...matched, claim: wrongClaim[0] });
      continue;
    }
    const { jti } = verified.claims;
    const id =
      typeof jti === 'string' && jti.length > 0
        ? `federated ${credential.issuer} ${jti}`
        : `federated token ${assertion}`;
    if (!(await firstUse(deps.replays, clientId, id, verified.claims))) return refused('assertion_replayed', matched);
    return {
      method: 'federated',
      details: { federated_issuer: credential.issuer, federated_subject: credential.subject },
    };
  }
  return last!;
}

/**
 * RFC 7521 §4.2 / RFC 7523 §2.2: `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
 * and `client_assertion=<JWT>`. An assertion the client issued itself (`iss` = the client_id) is
 * private_key_jwt; one an external issuer issued is a federated workload token. `client_id` may be
 * omitted for private_key_jwt (the assertion's `sub` names the client); a federated token needs it.
 */
export function clientAssertion(deps: AssertionDependencies): ClientAuthMethod {
  return {
    name: 'private_key_jwt',
    accepts: (client) => client.record.tokenEndpointAuthMethod === 'private_key_jwt',
    presents: (facts) => facts.params.has('client_assertion_type') || facts.params.has('client_assertion'),
    read(facts: RequestFacts): Presentation | Unreadable {
      const type = facts.params.get('client_assertion_type');
      const assertion = facts.params.get('client_assertion');
      if (type === undefined || !assertion)
        return unreadable(
          'invalid_request',
          'invalid_request',
          'client_assertion_type and client_assertion go together',
        );
      if (type !== JWT_BEARER)
        return unreadable(
          'invalid_client',
          'unsupported_assertion_type',
          `client_assertion_type must be ${JWT_BEARER}`,
        );
      const bodyId = facts.params.get('client_id');
      const claims = peek(assertion);
      if (claims === null) return unreadable('invalid_client', 'malformed_assertion', 'client_assertion is not a JWT');
      const clientId = bodyId ?? (typeof claims.sub === 'string' && claims.iss === claims.sub ? claims.sub : undefined);
      if (clientId === undefined)
        return unreadable('invalid_request', 'invalid_request', 'client_id is required with this client_assertion');
      return { clientId, credential: assertion };
    },
    verify(presentation, client) {
      const claims = peek(presentation.credential)!;
      return claims.iss === client.record.clientId
        ? verifyPrivateKeyJwt(deps, presentation.credential, client)
        : verifyFederated(deps, presentation.credential, client, claims);
    },
  };
}
