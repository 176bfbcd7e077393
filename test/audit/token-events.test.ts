import type { AuditEventResource } from '../../src/audit/event.js';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/errors.js';
import { captureLogs } from '../support/logs.js';
import { startSharedServer } from '../support/modes.js';
import { adminToken, api, createClient, requestToken } from '../support/oauth.js';
import type { TestServer } from '../support/server.js';

describe('AUDIT_TOKEN_EVENTS=log', () => {
  const logs = captureLogs();
  let server: TestServer;

  beforeAll(async () => {
    server = await startSharedServer({ AUDIT_TOKEN_EVENTS: 'log' }, logs.logger);
  });

  afterAll(async () => {
    await server.stop();
  });

  it('logs token.issued without storing it, and still stores every other event', async () => {
    const admin = await adminToken(server.url);
    const client = await createClient(server.url, admin, { name: 'siem-shipped', role: 'read-only' });
    expect((await requestToken(server.url, client.client_id, client.client_secret)).status).toBe(200);
    expect((await requestToken(server.url, client.client_id, 'wrong')).status).toBe(401);
    await server.app.audit.flush();

    const { body } = await api<{ items: AuditEventResource[] }>(
      server.url,
      admin,
      'GET',
      `/audit-events?client_id=${client.client_id}`,
    );
    expect(body.items.map((event) => event.type).sort()).toEqual(['client.created', 'token.denied']);
    const issuedLines = logs
      .lines()
      .filter(
        (line) => line.msg === 'token.issued' && (line.audit as { client_id: string }).client_id === client.client_id,
      );
    expect(issuedLines).toHaveLength(1);
    // Neither stored nor lost: a log-only event is not counted as an audit event that failed.
    expect(server.app.audit.stats().notStored).toBe(0);
  });
});

describe('AUDIT_TOKEN_EVENTS', () => {
  it('defaults to database, accepts log, and names itself when invalid', () => {
    expect(loadConfig({}).auditTokenEvents).toBe('database');
    expect(loadConfig({ AUDIT_TOKEN_EVENTS: 'log' }).auditTokenEvents).toBe('log');
    expect(() => loadConfig({ AUDIT_TOKEN_EVENTS: 'siem' })).toThrow(ConfigError);
    expect(() => loadConfig({ AUDIT_TOKEN_EVENTS: 'siem' })).toThrow(/^AUDIT_TOKEN_EVENTS:/);
  });
});
