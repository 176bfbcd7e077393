import { setImmediate as nextTurnOfEventLoop } from 'node:timers/promises';

export interface RoundsOutcome {
  readonly rounds: number;
  /** False when the bound was reached with work left. */
  readonly finished: boolean;
}

/**
 * Runs `round` until it answers false (nothing more to do), at most `maxRounds` times, and lets the event
 * loop turn before each round after the first. Every loop that repeats database work goes through here:
 * the embedded database (PGlite) runs on this thread and its promises settle without I/O, so a loop of
 * awaits on it alone would never let a request, a timer or a signal in. The bound keeps one run of a
 * background job finite whatever the backlog (or a defect) says; the job's next run goes on.
 */
export async function inRounds(maxRounds: number, round: () => Promise<boolean>): Promise<RoundsOutcome> {
  for (let rounds = 1; ; rounds += 1) {
    if (!(await round())) return { rounds, finished: true };
    if (rounds >= maxRounds) return { rounds, finished: false };
    await nextTurnOfEventLoop();
  }
}
