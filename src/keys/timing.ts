import {
  ACCESS_TOKEN_TTL_SECONDS,
  CLOCK_SKEW_SECONDS,
  MAX_JWKS_MAX_AGE_SECONDS,
  MAX_KEY_POLL_INTERVAL_MS,
} from '../config/constants.js';
import type { SigningAlgorithm } from '../config/variables.js';
import type { KeyStatus } from './types.js';

/**
 * The clock of key rotation, derived from KEY_ROTATION_INTERVAL.
 *
 * The invariant: no instance signs with a key that a correctly caching verifier cannot know. A `next`
 * key reaches every instance's JWKS within one poll interval of its creation, and a verifier that
 * fetched the JWKS just before that keeps its copy for at most the JWKS max-age. So a `next` key may
 * only become `active` once it is `minNextKeyAgeMs` (poll interval + max-age) old. Both parts are at
 * most a quarter of the interval, so scheduled rotations never wait for it, even with intervals of a
 * few seconds.
 */
export interface RotationTiming {
  readonly intervalMs: number;
  /** Cache-Control max-age of the JWKS. */
  readonly jwksMaxAgeSeconds: number;
  /** How often each instance rereads the keys and checks whether a rotation or a removal is due. */
  readonly pollIntervalMs: number;
  /** How long a `next` key must have been published before it may sign. */
  readonly minNextKeyAgeMs: number;
}

export function rotationTiming(intervalMs: number): RotationTiming {
  const quarter = Math.floor(intervalMs / 4);
  const jwksMaxAgeSeconds = Math.min(MAX_JWKS_MAX_AGE_SECONDS, Math.floor(quarter / 1000));
  const pollIntervalMs = Math.max(1, Math.min(MAX_KEY_POLL_INTERVAL_MS, quarter));
  return { intervalMs, jwksMaxAgeSeconds, pollIntervalMs, minNextKeyAgeMs: jwksMaxAgeSeconds * 1000 + pollIntervalMs };
}

/**
 * How long a retired key stays published: the last token it signed lives the token lifetime, and the
 * clock skew also covers the few seconds a follower may still sign with it before it hears of the
 * rotation.
 */
export const RETIRED_KEY_LIFETIME_MS = (ACCESS_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS) * 1000;

/** What the schedule needs to know of a key, whether it comes from a row or from the ring. */
export interface KeyTimeline {
  readonly status: KeyStatus;
  readonly alg: SigningAlgorithm;
  readonly createdAt: Date;
  readonly activatedAt: Date | null;
}

/**
 * When the `next` key may replace the `active` one: one interval after the active key started signing,
 * or as soon as the next key is old enough when it has another algorithm (SIGNING_ALG was changed), but
 * never before the next key is `minNextKeyAgeMs` old. Null when there is nothing to rotate to.
 */
export function rotationDueAt(keys: readonly KeyTimeline[], timing: RotationTiming): Date | null {
  const active = keys.find((key) => key.status === 'active');
  const next = keys.find((key) => key.status === 'next');
  if (!active || !next) return null;
  const publishedLongEnough = next.createdAt.getTime() + timing.minNextKeyAgeMs;
  if (next.alg !== active.alg) return new Date(publishedLongEnough);
  const scheduled = (active.activatedAt ?? active.createdAt).getTime() + timing.intervalMs;
  return new Date(Math.max(scheduled, publishedLongEnough));
}
