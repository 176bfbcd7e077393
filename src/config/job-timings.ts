import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * INTERNAL, for tests only: not a public setting. TOLLGATE_INTERNAL_JOB_TIMINGS holds a JSON object of
 * millisecond timings for the background jobs, so a test can watch each job's first run within seconds
 * instead of an hour, e.g. `{"auditRetentionFirstRunMs":2000,"lastUsedFlushIntervalMs":1000}`. It is left
 * out of VARIABLES on purpose, so the README and docs/ do not list it, and it may change without notice;
 * operators have no reason to set it. Each job keeps its own default for every timing not given.
 */
export const JOB_TIMINGS_VARIABLE = 'TOLLGATE_INTERNAL_JOB_TIMINGS';

const milliseconds = z.number().int().min(1).max(86_400_000).optional();

const jobTimingsSchema = z.strictObject({
  /** Audit retention: the first sweep after start, then the time between sweeps. */
  auditRetentionFirstRunMs: milliseconds,
  auditRetentionIntervalMs: milliseconds,
  /** How often batched last_used_at values are written. */
  lastUsedFlushIntervalMs: milliseconds,
  /** How often the keys are reread and due rotations and removals done. Only shortens the poll KEY_ROTATION_INTERVAL implies, which the rotation schedule counts on. */
  keyPollIntervalMs: milliseconds,
  /** How long an active-sessions count answers scrapes before a recount. */
  activeSessionsMaxAgeMs: milliseconds,
  /** How old the in-memory roles and API switches may grow before a reload. */
  policySnapshotTtlMs: milliseconds,
});

export type JobTimings = z.infer<typeof jobTimingsSchema>;

export function parseJobTimings(text: string | undefined): JobTimings {
  if (text === undefined || text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(JOB_TIMINGS_VARIABLE, 'expected a JSON object');
  }
  const result = jobTimingsSchema.safeParse(value);
  if (!result.success) {
    throw new ConfigError(
      JOB_TIMINGS_VARIABLE,
      result.error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`).join('; '),
    );
  }
  return result.data;
}
