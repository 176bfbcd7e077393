import type { ClientRecord } from '../clients/types.js';
import { type ClientCertificateSource, clientCertificate } from '../http/client-certificate.js';
import type { Confirmation } from '../x/confirmation.js';
import type { DpopNonces } from './dpop-nonce.js';
import type { DpopProofVerifier } from './dpop-proof.js';
import type { OAuthCall } from './endpoint.js';
import { OAuthError } from './errors.js';

export interface SenderConstraintDependencies {
  readonly dpop: DpopProofVerifier;
  /** Set when DPOP_NONCE_REQUIRED is on: every DPoP answer then carries the current nonce. */
  readonly dpopNonces: DpopNonces | null;
  readonly certificates: ClientCertificateSource;
}

type BindingSettings = Pick<
  ClientRecord,
  'client_id' | 'dpop_bound_access_tokens' | 'tls_client_certificate_bound_access_tokens'
>;

async function dpopBinding(
  call: OAuthCall,
  clientId: string,
  deps: SenderConstraintDependencies,
): Promise<Confirmation> {
  if (deps.dpopNonces) call.answerHeaders = { 'DPoP-Nonce': deps.dpopNonces.current() };
  const proof = await deps.dpop.verify(call.req.headers.dpop, call.req.method ?? '', clientId);
  return { jkt: proof.jkt };
}

/** RFC 8705 §3: any certificate the TLS handshake proved possession of; it need not chain to a CA. */
function certificateBinding(call: OAuthCall, deps: SenderConstraintDependencies): Confirmation {
  const certificate = clientCertificate(call.req, deps.certificates);
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
  client: BindingSettings,
  deps: SenderConstraintDependencies,
): Promise<Confirmation | undefined> {
  const dpop = call.req.headers.dpop !== undefined || client.dpop_bound_access_tokens;
  if (!dpop && !client.tls_client_certificate_bound_access_tokens) return undefined;
  const certificate = client.tls_client_certificate_bound_access_tokens ? certificateBinding(call, deps) : {};
  return dpop ? { ...certificate, ...(await dpopBinding(call, client.client_id, deps)) } : certificate;
}
