import type { Page, PageRequest } from '../db/paging.js';
import type { Confirmation } from '../x/confirmation.js';

/** One issued access token, alive until `exp` unless revoked. Times are seconds since the epoch. */
export interface Session {
  readonly jti: string;
  readonly client_id: string;
  readonly scope: string;
  /**
   * When the token was issued, to the millisecond (its `iat` is this in whole seconds): precise enough
   * to order issuance against a client's token cutoff within one second.
   */
  readonly issued_at_ms: number;
  readonly exp: number;
  readonly ip: string;
  readonly kid: string;
  readonly org_id: string | null;
  /** The key a sender-constrained token is bound to; absent for a bearer token. */
  readonly cnf?: Confirmation;
}

export interface CreateLimits {
  /** Live sessions one client may hold; 0 = no cap. */
  readonly maxPerClient: number;
  /** Sessions one client may create per window; 0 = no limit. */
  readonly perWindow: number;
  readonly windowMs: number;
}

export type CreateOutcome =
  | { readonly status: 'created' }
  | { readonly status: 'session_limit' }
  | { readonly status: 'rate_limited'; readonly retryAfterMs: number };

export interface SessionStore {
  readonly kind: 'redis' | 'memory';
  /**
   * Records a session unless the client is over its issuance rate or already holds `maxPerClient` live
   * ones. Checking, counting and storing are one atomic step, so concurrent requests cannot overshoot.
   */
  create(session: Session, limits: CreateLimits): Promise<CreateOutcome>;
  /** Takes back a session whose token was never handed out: it is removed and no longer counts toward the rate. */
  discard(session: Pick<Session, 'client_id' | 'jti' | 'exp'>): Promise<void>;
  get(clientId: string, jti: string): Promise<Session | null>;
  /** Live sessions, newest first; positions are order keys (order-key.ts). */
  list(clientId: string, request: PageRequest): Promise<Page<Session>>;
  count(clientId: string): Promise<number>;
  revoke(clientId: string, jti: string): Promise<boolean>;
  revokeAll(clientId: string): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
