import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../../src/audit/event.js';
import { AuditRetention } from '../../src/audit/retention.js';
import { AuditStore } from '../../src/audit/store.js';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/errors.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { captureLogs } from '../support/logs.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

const DAY_MS = 86_400_000;
const NOW = new Date('2026-11-24T12:00:00Z');

let database: TestDatabase;
let db: Database;
let store: AuditStore;

beforeAll(async () => {
  database = await createTestDatabase();
  db = openDatabase({ databaseUrl: database.url, dataDir: '' });
  await migrateToLatest(db, database.url);
  store = new AuditStore(db);
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

beforeEach(async () => {
  await db('audit_events').delete();
});

function eventAged(days: number, type = 'test.aged'): AuditEvent {
  return {
    id: randomUUID(),
    at: new Date(NOW.getTime() - days * DAY_MS),
    type,
    actor: null,
    client_id: null,
    organization_id: null,
    ip: null,
    request_id: null,
    details: {},
  };
}

async function insertAged(count: number, days: number): Promise<void> {
  for (let start = 0; start < count; start += 500) {
    await store.insert(Array.from({ length: Math.min(500, count - start) }, () => eventAged(days)));
  }
}

async function remainingAges(): Promise<number[]> {
  const rows = await db('audit_events').select('at');
  return rows.map((row: { at: Date }) => Math.round((NOW.getTime() - row.at.getTime()) / DAY_MS)).sort((a, b) => a - b);
}

describe('audit retention', () => {
  it('deletes events older than the retention period and keeps the rest', async () => {
    await store.insert([eventAged(1), eventAged(29), eventAged(31), eventAged(400)]);
    const retention = new AuditRetention(store, 30, captureLogs().logger);
    expect(await retention.prune(NOW)).toBe(2);
    expect(await remainingAges()).toEqual([1, 29]);
  });

  it('keeps everything with a retention of 0 days', async () => {
    await store.insert([eventAged(1), eventAged(10_000)]);
    const retention = new AuditRetention(store, 0, captureLogs().logger);
    expect(await retention.prune(NOW)).toBe(0);
    expect(await remainingAges()).toEqual([1, 10_000]);
  });

  it('deletes past one chunk, and instances pruning at once share the work without error', async () => {
    await insertAged(6_000, 100);
    await store.insert([eventAged(5)]);
    const other = openDatabase({ databaseUrl: database.url, dataDir: '' });
    try {
      const instances = [
        new AuditRetention(store, 90, captureLogs().logger),
        new AuditRetention(new AuditStore(other), 90, captureLogs().logger),
      ];
      const deleted = await Promise.all(instances.map((instance) => instance.prune(NOW)));
      const sweptByOthers = await instances[0]!.prune(NOW);
      expect(deleted[0]! + deleted[1]! + sweptByOthers).toBe(6_000);
      expect(await remainingAges()).toEqual([5]);
    } finally {
      await other.destroy();
    }
  });

  it('logs how many events a sweep removed', async () => {
    await store.insert([eventAged(100), eventAged(200)]);
    const logs = captureLogs();
    await new AuditRetention(store, 90, logs.logger).prune(NOW);
    expect(logs.lines().find((line) => line.msg === 'pruned audit events past their retention')).toMatchObject({
      deleted: 2,
    });
  });
});

describe('AUDIT_RETENTION_DAYS', () => {
  it('defaults to 90, accepts 0, and names itself when invalid', () => {
    expect(loadConfig({}).auditRetentionDays).toBe(90);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '0' }).auditRetentionDays).toBe(0);
    for (const bad of ['-1', 'forever', '1.5']) {
      expect(() => loadConfig({ AUDIT_RETENTION_DAYS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ AUDIT_RETENTION_DAYS: bad })).toThrow(/^AUDIT_RETENTION_DAYS:/);
    }
  });
});
