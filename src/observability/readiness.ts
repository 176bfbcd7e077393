import { withTimeLimit } from '../x/time-limit.js';

/** A probe must answer before the orchestrator's own timeout, whatever state a dependency is in. */
const CHECK_TIME_LIMIT_MS = 1_000;

type DependencyState = 'up' | 'down';

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, DependencyState>>;
}

/** Each dependency's cheapest round trip, by the name operators know it by (`postgres`, `redis`). */
export type DependencyChecks = Readonly<Record<string, () => Promise<unknown>>>;

/**
 * Whether this instance can serve: every dependency answered within a second. Concurrent probes share
 * one check, so a burst of probes against a struggling dependency does not pile up.
 */
export class ReadinessProbe {
  private running: Promise<ReadinessReport> | null = null;

  constructor(private readonly checks: DependencyChecks) {}

  check(): Promise<ReadinessReport> {
    this.running ??= this.checkAll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async checkAll(): Promise<ReadinessReport> {
    const names = Object.keys(this.checks);
    const outcomes = await Promise.allSettled(
      names.map((name) => withTimeLimit(this.checks[name]!(), CHECK_TIME_LIMIT_MS, name)),
    );
    const checks = Object.fromEntries(
      names.map((name, i) => [name, outcomes[i]!.status === 'fulfilled' ? 'up' : 'down'] as const),
    );
    return { ready: outcomes.every((outcome) => outcome.status === 'fulfilled'), checks };
  }
}
