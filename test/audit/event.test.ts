import { stampAuditEvent } from '../../src/audit/event.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('stampAuditEvent', () => {
  it("gives each event an RFC 9562 version 7 id that starts with the event's own millisecond", () => {
    const event = stampAuditEvent({ type: 'token.issued', actor: 'tgc_a', client_id: 'tgc_a' });
    expect(event.id).toMatch(UUID_V7);
    const millisecond = Number.parseInt(event.id.replace(/-/g, '').slice(0, 12), 16);
    expect(millisecond).toBe(event.at.getTime());
  });

  it('gives ids that sort in the order the events were stamped, also within one millisecond', () => {
    const ids = Array.from({ length: 2_000 }, () => stampAuditEvent({ type: 'token.issued', actor: null }).id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
