import { pino } from 'pino';
import { toAuditEventResource } from '../../src/audit/event.js';
import type { AuditEventType } from '../../src/audit/event-types.js';
import { LogAuditTrail } from '../../src/audit/log-trail.js';
import { createAuditLogger } from '../../src/observability/logger.js';
import { captureLogs } from '../support/logs.js';

const withoutTime = (line: Record<string, unknown>) => {
  const { time, ...rest } = line;
  expect(typeof time).toBe('number');
  return rest;
};

describe('LogAuditTrail', () => {
  it('writes the line pino would write for the event, field for field and in the same order', () => {
    const logs = captureLogs();
    const { event, json } = new LogAuditTrail(logs.logger).record({
      type: 'token.issued',
      actor: 'tgc_0123456789abcdef01234567',
      client_id: 'tgc_0123456789abcdef01234567',
      ip: '192.0.2.1',
      details: { jti: 'a"b\\c', kid: 'k1', scope: 'read write', nested: { n: 1, list: ['x'] } },
    });
    createAuditLogger(logs.logger).info({ audit: toAuditEventResource(event) }, event.type);
    const [fast, reference] = logs.lines() as [Record<string, unknown>, Record<string, unknown>];
    expect(withoutTime(fast)).toEqual(withoutTime(reference));
    expect(Object.keys(fast)).toEqual(Object.keys(reference));
    expect(fast.audit).toMatchObject({ id: event.id, details: { jti: 'a"b\\c' } });
    expect(JSON.parse(json)).toEqual(fast.audit);
  });

  it('censors details named like credentials, as the audit logger does', () => {
    const logs = captureLogs();
    new LogAuditTrail(logs.logger).record({
      type: 'test.named' as AuditEventType,
      actor: 'cli',
      details: { token: 'opaque', n: 1 },
    });
    expect(logs.lines()[0]).toMatchObject({ audit: { details: { token: '[redacted]', n: 1 } }, msg: 'test.named' });
  });

  it('writes nothing below the info level', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    new LogAuditTrail(logger).record({ type: 'test.quiet' as AuditEventType, actor: 'cli' });
    expect(lines).toEqual([]);
  });
});
