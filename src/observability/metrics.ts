import { performance } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { FailureLimit } from '../limits/types.js';

/** The audit queue as the gauges report it (the audit trail's own stats). */
interface AuditQueueStats {
  /** Events waiting to be written. */
  readonly queued: number;
  readonly stored: number;
  /** Events that could not be stored, each of them logged. */
  readonly notStored: number;
}

/** Where the gauges read their values at scrape time, so nothing on the hot path maintains them. */
export interface MetricSources {
  /** Live sessions of the whole deployment: the same value on every instance. */
  readonly activeSessions: () => Promise<number | null>;
  readonly audit: () => AuditQueueStats;
  readonly activeKeyAgeSeconds: () => number;
}

/**
 * This process's Prometheus metrics. Label values come from code constants (results, reasons), never
 * from client ids or addresses, so the series count stays bounded. Every update on the token endpoint is
 * one counter increment or one histogram observation.
 *
 * `aggregator` says how the cluster primary merges the workers' values (see cluster-metrics.ts): counts
 * add up; values that every worker computes identically take the maximum.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly tokenRequests: Counter<'result'>;
  private readonly issuanceSeconds: Histogram;
  private readonly introspections: Counter<'result'>;
  private readonly revocations: Counter<'result'>;
  private readonly authenticationBlocks: Counter<'limit'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.tokenRequests = new Counter({
      name: 'tollgate_token_requests_total',
      help: 'POST /token requests by result: "issued", or the denial reason (invalid_secret, unknown_client, rate_limited, ...).',
      labelNames: ['result'],
      registers,
    });
    this.issuanceSeconds = new Histogram({
      name: 'tollgate_token_issuance_duration_seconds',
      help: 'Time from receiving a token request to answering it with a token.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.introspections = new Counter({
      name: 'tollgate_introspections_total',
      help: 'Token introspection requests by result.',
      labelNames: ['result'],
      registers,
    });
    this.revocations = new Counter({
      name: 'tollgate_revocations_total',
      help: 'Token revocation requests by result: "revoked" (answered 200), or the denial reason.',
      labelNames: ['result'],
      registers,
    });
    this.authenticationBlocks = new Counter({
      name: 'tollgate_authentication_blocks_total',
      help: 'Blocks started by failed client authentications, by limit (per_ip, per_client_ip); each is one caller.blocked audit event. The requests refused during a block count as rate_limited in the endpoint counters.',
      labelNames: ['limit'],
      registers,
    });
    new Gauge({
      name: 'tollgate_active_sessions',
      help: 'Live (issued, unexpired, unrevoked) access tokens of the whole deployment, recounted at most every 15 s.',
      aggregator: 'max',
      registers,
      async collect() {
        const count = await sources.activeSessions();
        if (count !== null) this.set(count);
      },
    });
    new Gauge({
      name: 'tollgate_audit_queue_depth',
      help: 'Audit events accepted but not yet written to the database.',
      registers,
      collect() {
        this.set(sources.audit().queued);
      },
    });
    new Counter({
      name: 'tollgate_audit_events_not_stored_total',
      help: 'Audit events that could not be written to the database (queue full, retries exhausted, or left at shutdown); each was logged.',
      registers,
      collect() {
        // The trail keeps the count; the counter mirrors it at scrape time.
        this.reset();
        this.inc(sources.audit().notStored);
      },
    });
    new Gauge({
      name: 'tollgate_signing_key_age_seconds',
      help: 'How long the active signing key has been signing tokens.',
      aggregator: 'max',
      registers,
      collect() {
        this.set(sources.activeKeyAgeSeconds());
      },
    });
  }

  /** `startedAt` is `performance.now()` when the request arrived. */
  tokenIssued(startedAt: number): void {
    this.tokenRequests.inc({ result: 'issued' });
    this.issuanceSeconds.observe((performance.now() - startedAt) / 1000);
  }

  tokenDenied(reason: string): void {
    this.tokenRequests.inc({ result: reason });
  }

  /** For the introspection endpoint: `active`, `inactive`, or its denial reason. */
  introspected(result: string): void {
    this.introspections.inc({ result });
  }

  /** For the revocation endpoint: `revoked`, or its denial reason. */
  revocation(result: string): void {
    this.revocations.inc({ result });
  }

  authenticationBlocked(limit: FailureLimit): void {
    this.authenticationBlocks.inc({ limit });
  }
}
