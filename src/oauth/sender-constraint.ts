import type { RequestFacts } from '../client-auth/types.js';
import type { ClientRecord } from '../clients/types.js';
import type { Confirmation } from '../x/confirmation.js';
import type { DpopNonces } from './dpop-nonce.js';
import type { DpopProofVerifier } from './dpop-proof.js';
import type { OAuthCall } from './endpoint.js';
import { OAuthError } from './errors.js';

export interface SenderConstraintDependencies {
  readonly dpop: DpopProofVerifier;
  /** Set when DPOP_NONCE_REQUIRED is on: every DPoP answer then carries the current nonce. */
  readonly dpopNonces: DpopNonces | null;
}

type BindingSettings = Pick<
  ClientRecord,
  'clientId' | 'dpopBoundAccessTokens' | 'tlsClientCertificateBoundAccessTokens'
>;

async function dpopBinding(
  call: OAuthCall,
  facts: RequestFacts,
  clientId: string,
  deps: SenderConstraintDependencies,
): Promise<Confirmation> {
  if (deps.dpopNonces) call.answerHeaders = { 'DPoP-Nonce': deps.dpopNonces.current() };
  const proof = await deps.dpop.verify(facts.dpop, call.req.method ?? '', clientId);
  return { jkt: proof.jkt };
}

/** RFC 8705 §3: any certificate the TLS handshake proved possession of; it need not chain to a CA. */
function certificateBinding(facts: RequestFacts): Confirmation {
  const certificate = facts.clientCertificate;
  if (!certificate)
    throw new OAuthError(
      'invalid_request',
      "this client's tokens are bound to its certificate: request them over mutual TLS with that certificate",
      'client_certificate_required',
    );
  return { 'x5t#S256': certificate.thumbprint };
}

/**
 * The one step that decides what a new token is bound to (its `cnf`), from what the request proved: a
 * DPoP proof (RFC 9449), which a client registered with `dpop_bound_access_tokens` must send and any
 * other client may; the mTLS client certificate (RFC 8705) for a client registered with
 * `tls_client_certificate_bound_access_tokens`. A request from a client that needs neither and sends no
 * proof costs two property reads: the bearer path is the hot path.
 */
export async function confirmationFor(
  call: OAuthCall,
  facts: RequestFacts,
  client: BindingSettings,
  deps: SenderConstraintDependencies,
): Promise<Confirmation | undefined> {
  const dpop = facts.dpop !== undefined || client.dpopBoundAccessTokens;
  if (!dpop && !client.tlsClientCertificateBoundAccessTokens) return undefined;
  const certificate = client.tlsClientCertificateBoundAccessTokens ? certificateBinding(facts) : {};
  return dpop ? { ...certificate, ...(await dpopBinding(call, facts, client.clientId, deps)) } : certificate;
}
