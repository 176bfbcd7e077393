import { readFileSync } from 'node:fs';
import { AUDIT_EVENT_TYPES } from '../../src/audit/event-types.js';

const DOC = readFileSync('docs/audit-and-cli.md', 'utf8');

describe('audit event types', () => {
  it.each(AUDIT_EVENT_TYPES)('%s is documented in docs/audit-and-cli.md', (type) => {
    const family = `${type.split('.')[0]}.*`;
    expect(DOC.includes(`\`${type}\``) || DOC.includes(`\`${family}\``)).toBe(true);
  });

  it('are dotted lower-case names the audit query filter accepts', () => {
    for (const type of AUDIT_EVENT_TYPES) expect(type).toMatch(/^[a-z][a-z0-9_.-]{0,63}$/);
    expect(new Set(AUDIT_EVENT_TYPES).size).toBe(AUDIT_EVENT_TYPES.length);
  });
});
