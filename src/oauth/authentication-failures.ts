import type { AuditTrail } from '../audit/event.js';
import type { ClientRecord } from '../clients/types.js';
import { addressKeyPart, clientKeyPart } from '../limits/key-parts.js';
import type { BlockStart, FailureLimiter } from '../limits/types.js';
import type { Metrics } from '../observability/metrics.js';
import { FailureCheck } from './failure-check.js';

/** A caller whose client authentication failed. */
export interface FailedCaller {
  readonly ip: string;
  /** The well-formed client_id it sent, or null when it sent none (or one no client can have). */
  readonly clientId: string | null;
  /** The client that id names, when one exists. */
  readonly client: ClientRecord | null;
}

/**
 * Each block needs failed requests of its own, so an attack from many addresses could otherwise hold a
 * timer per address; past this many, a block's end is not recorded (its start event says when it ends).
 */
const MAX_PENDING_BLOCK_ENDS = 10_000;

/**
 * Failed client authentications on the OAuth endpoints: counted per address and per (client_id, address)
 * by the FailureLimiter, and audited once per block rather than once per request. `caller.blocked` is
 * recorded by the one instance whose failure reached a limit, and `caller.unblocked` by that instance
 * when the window ends: a block is a fixed window (refused requests are not counted), so its end is
 * known when it starts. Requests refused meanwhile are only counted in the metrics.
 */
export class AuthenticationFailures {
  private readonly pendingEnds = new Set<NodeJS.Timeout>();

  constructor(
    private readonly limiter: FailureLimiter,
    private readonly audit: AuditTrail,
    private readonly metrics: Metrics,
  ) {}

  /** Asks at once whether the caller is blocked; see FailureCheck. */
  check(ip: string, clientId: string | null): FailureCheck {
    return new FailureCheck(this.limiter, ip, clientId);
  }

  /** Counts the failure; audits the blocks it starts. */
  async record(caller: FailedCaller): Promise<void> {
    for (const start of await this.limiter.recordFailure(caller.ip, caller.clientId)) this.blockStarted(caller, start);
  }

  /** Forgets the pending `caller.unblocked` events: after shutdown nothing can be recorded. */
  close(): void {
    for (const timer of this.pendingEnds) clearTimeout(timer);
    this.pendingEnds.clear();
  }

  private blockStarted(caller: FailedCaller, start: BlockStart): void {
    this.metrics.authenticationBlocked(start.limit);
    const startedAt = new Date();
    const event = { actor: null, ip: caller.ip, ...blockSubject(caller, start) };
    this.audit.record({
      ...event,
      type: 'caller.blocked',
      details: { ...event.details, until: new Date(startedAt.getTime() + start.durationMs).toISOString() },
    });
    if (this.pendingEnds.size >= MAX_PENDING_BLOCK_ENDS) return;
    const timer = setTimeout(() => {
      this.pendingEnds.delete(timer);
      this.audit.record({
        ...event,
        type: 'caller.unblocked',
        details: { ...event.details, since: startedAt.toISOString() },
      });
    }, start.durationMs);
    timer.unref();
    this.pendingEnds.add(timer);
  }
}

/**
 * Whom a block concerns. An address block concerns no client. A (client_id, address) block names its
 * client when that client exists, so its organization sees the attack; a client_id that names no client
 * is never recorded as sent (it may be a secret pasted into the wrong field), only as the digest that
 * also names its counter.
 */
function blockSubject(caller: FailedCaller, start: BlockStart) {
  const details: Record<string, string> = { limit: start.limit, address: addressKeyPart(caller.ip) };
  if (start.limit === 'per_ip' || caller.clientId === null) return { client_id: null, organization_id: null, details };
  if (caller.client)
    return { client_id: caller.client.clientId, organization_id: caller.client.organizationId, details };
  return {
    client_id: null,
    organization_id: null,
    details: { ...details, client_id_digest: clientKeyPart(caller.clientId) },
  };
}
