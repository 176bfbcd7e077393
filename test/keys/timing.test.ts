import { loadConfig } from '../../src/config/config.js';
import { type KeyTimeline, RETIRED_KEY_LIFETIME_MS, rotationDueAt, rotationTiming } from '../../src/keys/timing.js';

const SECOND = 1000;
const DAY = 86_400 * SECOND;

describe('rotation timing', () => {
  it('caches the JWKS for 5 minutes and polls every 5 s at the default interval', () => {
    expect(rotationTiming(30 * DAY)).toEqual({
      intervalMs: 30 * DAY,
      jwksMaxAgeSeconds: 300,
      pollIntervalMs: 5 * SECOND,
      minNextKeyAgeMs: 305 * SECOND,
    });
  });

  it.each([1 * SECOND, 3 * SECOND, 90 * SECOND, 20 * 60 * SECOND, 12 * 3600 * SECOND, 30 * DAY, 365 * DAY])(
    'lets a next key wait out every cached JWKS well within an interval of %i ms',
    (intervalMs) => {
      const timing = rotationTiming(intervalMs);
      expect(timing.jwksMaxAgeSeconds).toBeLessThanOrEqual(300);
      expect(timing.pollIntervalMs).toBeGreaterThan(0);
      expect(timing.pollIntervalMs).toBeLessThanOrEqual(5 * SECOND);
      // The invariant, not the formula: a next key reaches every instance within one poll, and a verifier
      // that fetched the JWKS just before keeps its copy for max-age; the key may sign only after both.
      const lastVerifierWithoutTheKey = timing.pollIntervalMs + timing.jwksMaxAgeSeconds * SECOND;
      expect(timing.minNextKeyAgeMs).toBeGreaterThanOrEqual(lastVerifierWithoutTheKey);
      expect(timing.minNextKeyAgeMs).toBeLessThanOrEqual(intervalMs / 2);
      // And the next scheduled rotation never waits for it: a key created with the previous rotation is old enough.
      const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
      const keys: KeyTimeline[] = [
        { status: 'active', alg: 'RS256', createdAt: at(0), activatedAt: at(0) },
        { status: 'next', alg: 'RS256', createdAt: at(0), activatedAt: null },
      ];
      expect(rotationDueAt(keys, timing)).toEqual(at(intervalMs));
    },
  );

  it('keeps retired keys for the token lifetime plus the clock skew', () => {
    expect(RETIRED_KEY_LIFETIME_MS).toBe((86_400 + 60) * SECOND);
  });
});

describe('when a rotation is due', () => {
  const timing = rotationTiming(30 * DAY);
  const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
  const active: KeyTimeline = { status: 'active', alg: 'RS256', createdAt: at(0), activatedAt: at(0) };
  const next = (alg: KeyTimeline['alg'], createdAtMs: number): KeyTimeline => ({
    status: 'next',
    alg,
    createdAt: at(createdAtMs),
    activatedAt: null,
  });

  it('is one interval after the active key started signing', () => {
    expect(rotationDueAt([active, next('RS256', 0)], timing)).toEqual(at(30 * DAY));
  });

  it('waits until the next key has been published long enough', () => {
    expect(rotationDueAt([active, next('RS256', 30 * DAY - SECOND)], timing)).toEqual(
      at(30 * DAY - SECOND + 305 * SECOND),
    );
  });

  it('comes as soon as the next key is old enough when SIGNING_ALG changed', () => {
    expect(rotationDueAt([active, next('ES256', DAY)], timing)).toEqual(at(DAY + 305 * SECOND));
  });

  it('never comes without a next key', () => {
    expect(rotationDueAt([active], timing)).toBeNull();
  });
});

describe('KEY_ROTATION_INTERVAL', () => {
  it('defaults to 30 days and reads durations', () => {
    expect(loadConfig({}).keyRotationIntervalMs).toBe(30 * DAY);
    expect(loadConfig({ KEY_ROTATION_INTERVAL: '90s' }).keyRotationIntervalMs).toBe(90 * SECOND);
    expect(loadConfig({ KEY_ROTATION_INTERVAL: '12h' }).keyRotationIntervalMs).toBe(12 * 3600 * SECOND);
  });

  it.each(['soon', '30', '500ms', '400d'])('refuses %s, naming the variable', (value) => {
    expect(() => loadConfig({ KEY_ROTATION_INTERVAL: value })).toThrow(/^KEY_ROTATION_INTERVAL: expected a duration/);
  });
});
