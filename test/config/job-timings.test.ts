import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/errors.js';
import { JOB_TIMINGS_VARIABLE } from '../../src/config/job-timings.js';
import { configurationTable } from '../../src/config/table.js';

describe(`${JOB_TIMINGS_VARIABLE} (internal, for tests)`, () => {
  it('is empty unless set, so every job keeps its default', () => {
    expect(loadConfig({}).jobTimings).toEqual({});
    expect(loadConfig({ [JOB_TIMINGS_VARIABLE]: '' }).jobTimings).toEqual({});
  });

  it('reads millisecond timings from a JSON object', () => {
    const timings = {
      auditRetentionFirstRunMs: 2_000,
      auditRetentionIntervalMs: 5_000,
      lastUsedFlushIntervalMs: 1_000,
      keyPollIntervalMs: 500,
      activeSessionsMaxAgeMs: 1_000,
      policySnapshotTtlMs: 1_000,
    };
    expect(loadConfig({ [JOB_TIMINGS_VARIABLE]: JSON.stringify(timings) }).jobTimings).toEqual(timings);
  });

  it('stops startup naming itself and the bad entry', () => {
    const cases: [string, RegExp][] = [
      ['not json', /expected a JSON object/],
      ['[1]', /value: /],
      ['{"auditRetentionFirstRunMs": 0}', /auditRetentionFirstRunMs: /],
      ['{"lastUsedFlushIntervalMs": "1s"}', /lastUsedFlushIntervalMs: /],
      ['{"auditRetentionFirstRunMS": 10}', /auditRetentionFirstRunMS/],
    ];
    for (const [value, message] of cases) {
      const load = () => loadConfig({ [JOB_TIMINGS_VARIABLE]: value });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(new RegExp(`^${JOB_TIMINGS_VARIABLE}: `));
      expect(load).toThrow(message);
    }
  });

  it('is not documented as a public variable', () => {
    expect(configurationTable()).not.toContain(JOB_TIMINGS_VARIABLE);
  });
});
