import type { CachedClient } from '../clients/lookup.js';
import type { ClientCertificate } from '../http/client-certificate.js';

/**
 * What a request to the token, introspection or revocation endpoint says about its client, read once at
 * the edge (oauth/authenticate-caller.ts) and handed to every method. Methods read facts, never the request.
 */
export interface RequestFacts {
  /** The caller's address, as TRUST_PROXY resolves it. */
  readonly ip: string;
  /** The Authorization header as sent. */
  readonly authorization: string | undefined;
  /** The form (each parameter at most once). */
  readonly params: ReadonlyMap<string, string>;
  /** The DPoP header (RFC 9449), for sender-constrained tokens. */
  readonly dpop: string | undefined;
  /**
   * The client's TLS certificate (RFC 8705): from the handshake, or from a trusted proxy's Client-Cert
   * header; null when none was presented. Read on first use, so requests that need none never pay for it.
   */
  readonly clientCertificate: ClientCertificate | null;
}

/** The client authentication methods, by their registered names (RFC 7591 §2, RFC 8705), plus `federated`. */
export type AuthMethodName =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt'
  | 'federated'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth';

/** What one method found in the request: the client it names and the credential it carries. */
export interface Presentation {
  readonly clientId: string;
  /** A secret, or an assertion: never logged, never stored. */
  readonly credential: string;
}

/**
 * A request that presents a method but cannot be read: `invalid_request` (malformed) or `invalid_client`
 * (a method or assertion type Tollgate does not support). `reason` is what operators see.
 */
export interface Unreadable {
  readonly unreadable: 'invalid_request' | 'invalid_client';
  readonly reason: string;
  readonly description: string;
}

/** Audit details of an authentication: key ids, matched federated credentials. Never a credential. */
export type AuthDetails = Readonly<Record<string, string>>;

/** Proof that the client is who it says: which method, and what the audit trail may say about it. */
export interface Evidence {
  readonly method: AuthMethodName;
  readonly details: AuthDetails | null;
}

/** Why the credential does not authenticate the client (`invalid_secret`, `assertion_replayed`, ...). */
export interface Refusal {
  readonly refused: string;
  readonly details: AuthDetails | null;
}

/**
 * One way a client proves who it is. `presents` is asked of every method for every request, so it is
 * cheap and allocates nothing; `read` and `verify` run only for the one method the request presents.
 * A method verifies the credential only: the shared step (oauth/authenticate-caller.ts) finds the client,
 * checks that it is registered for this method, counts failures, audits and answers `invalid_client`.
 */
export interface ClientAuthMethod {
  readonly name: AuthMethodName;
  /** Whether the client's registered `token_endpoint_auth_method` lets it use this method. */
  accepts(client: CachedClient): boolean;
  presents(facts: RequestFacts): boolean;
  read(facts: RequestFacts): Presentation | Unreadable;
  verify(
    presentation: Presentation,
    client: CachedClient,
    facts: RequestFacts,
  ): Evidence | Refusal | Promise<Evidence | Refusal>;
}

export function isRefusal(outcome: Evidence | Refusal): outcome is Refusal {
  return 'refused' in outcome;
}

export function isUnreadable(read: Presentation | Unreadable): read is Unreadable {
  return 'unreadable' in read;
}
