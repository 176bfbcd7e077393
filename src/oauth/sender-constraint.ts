import type { ClientRecord } from '../clients/types.js';
import type { Confirmation } from '../x/confirmation.js';
import type { DpopNonces } from './dpop-nonce.js';
import type { DpopProofVerifier } from './dpop-proof.js';
import type { OAuthCall } from './endpoint.js';

export interface SenderConstraintDependencies {
  readonly dpop: DpopProofVerifier;
  /** Set when DPOP_NONCE_REQUIRED is on: every DPoP answer then carries the current nonce. */
  readonly dpopNonces: DpopNonces | null;
}

/**
 * The one step that decides what a new token is bound to (its `cnf`), from what the request proved:
 * a DPoP proof (RFC 9449), which a client registered with `dpop_bound_access_tokens` must send and any
 * other client may. A request without a proof from a client that needs none costs one property read:
 * the bearer path is the hot path.
 */
export async function confirmationFor(
  call: OAuthCall,
  client: Pick<ClientRecord, 'dpop_bound_access_tokens'>,
  deps: SenderConstraintDependencies,
): Promise<Confirmation | undefined> {
  const dpopHeader = call.req.headers.dpop;
  if (dpopHeader === undefined && !client.dpop_bound_access_tokens) return undefined;
  if (deps.dpopNonces) call.answerHeaders = { 'DPoP-Nonce': deps.dpopNonces.current() };
  const proof = await deps.dpop.verify(dpopHeader, call.req.method ?? '');
  return { jkt: proof.jkt };
}
