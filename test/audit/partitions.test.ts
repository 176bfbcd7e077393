import { randomUUID } from 'node:crypto';
import { MIGRATIONS } from '../../migrations/index.js';
import type { AuditEvent } from '../../src/audit/event.js';
import { AuditRetention } from '../../src/audit/retention.js';
import { AuditStore } from '../../src/audit/store.js';
import type { Database } from '../../src/db/database.js';
import { listDailyPartitions } from '../../src/db/partitions.js';
import { DATABASE_DRIVERS, type OpenedDatabase } from '../support/databases.js';
import { captureLogs } from '../support/logs.js';

const DAY_MS = 86_400_000;
const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

function eventAt(at: Date, type = 'test.partitioned'): AuditEvent {
  return {
    id: randomUUID(),
    at,
    type,
    actor: null,
    client_id: null,
    organization_id: null,
    ip: null,
    request_id: null,
    details: {},
  };
}

async function partitionDays(db: Database): Promise<string[]> {
  return (await listDailyPartitions(db, 'audit_events')).map((partition) => partition.day.toISOString().slice(0, 10));
}

/** Rows per partition, by partition name. */
async function rowsByPartition(db: Database): Promise<Record<string, number>> {
  const { rows } = (await db.raw(
    'select tableoid::regclass::text as partition, count(*)::int as count from audit_events group by 1',
  )) as { rows: { partition: string; count: number }[] };
  return Object.fromEntries(rows.map((row) => [row.partition, row.count]));
}

/** The relations a query's plan reads. */
async function relationsRead(db: Database, sql: string): Promise<string[]> {
  const { rows } = (await db.raw(`explain (format json) ${sql}`)) as { rows: { 'QUERY PLAN': unknown }[] };
  const plan = JSON.stringify(rows[0]!['QUERY PLAN']);
  return [...new Set([...plan.matchAll(/"Relation Name":"([^"]+)"/g)].map((match) => match[1]!))].sort();
}

describe.each(DATABASE_DRIVERS)('audit_events partitioned by day, $name', (driver) => {
  let opened: OpenedDatabase;
  let db: Database;
  let store: AuditStore;

  beforeAll(async () => {
    opened = await driver.open();
    db = opened.db;
    store = new AuditStore(db);
  }, 60_000);

  afterAll(async () => {
    await opened.close();
  });

  it('is a partitioned table, with partitions from today to a week ahead after migrating', async () => {
    const { rows } = (await db.raw(
      "select partstrat from pg_partitioned_table where partrelid = 'audit_events'::regclass",
    )) as { rows: { partstrat: string }[] };
    expect(rows).toEqual([{ partstrat: 'r' }]);
    const today = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
    const expected = Array.from({ length: 8 }, (_, index) =>
      new Date(today.getTime() + index * DAY_MS).toISOString().slice(0, 10),
    );
    expect(await partitionDays(db)).toEqual(expect.arrayContaining(expected));
  });

  it('creates partitions ahead under the maintenance lock, moving rows of that day out of the default partition', async () => {
    const early = eventAt(new Date('2031-03-01T10:00:00Z'));
    await store.insert([early, eventAt(new Date('2031-03-05T10:00:00Z'))]);
    expect(await rowsByPartition(db)).toMatchObject({ audit_events_default: 2 });
    const maintenance = await store.maintainPartitions(new Date('2031-03-01T23:00:00Z'), 2, null);
    expect(maintenance).toEqual({ created: 3, dropped: [], droppedRows: 0 });
    expect(await partitionDays(db)).toEqual(expect.arrayContaining(['2031-03-01', '2031-03-02', '2031-03-03']));
    const after = await rowsByPartition(db);
    expect(after).toMatchObject({ audit_events_p20310301: 1, audit_events_default: 1 });
    // Moved, not copied: the event is still there once, with its own id.
    expect(Number((await db('audit_events').where('id', early.id).count({ count: '*' }))[0]!.count)).toBe(1);
    // A second run finds the work done.
    expect(await store.maintainPartitions(new Date('2031-03-01T23:00:00Z'), 2, null)).toEqual({
      created: 0,
      dropped: [],
      droppedRows: 0,
    });
  });

  it('removes a day past the retention by dropping its partition, keeping the other days whole', async () => {
    const now = new Date('2032-06-20T12:00:00Z');
    await store.maintainPartitions(day('2032-06-01'), 19, null);
    const events = ['2032-06-09', '2032-06-10', '2032-06-11'].flatMap((date) =>
      Array.from({ length: 50 }, (_, index) => eventAt(new Date(day(date).getTime() + index * 60_000))),
    );
    await store.insert(events);
    await db.raw('analyze audit_events_p20320609');
    const logs = captureLogs();
    // Retention 10 days: the cutoff is 2032-06-10T12:00, so 06-09 is wholly past it and 06-10 is not yet.
    const removed = await new AuditRetention(store, 10, logs.logger).prune(now);
    const days = await partitionDays(db);
    expect(days).not.toContain('2032-06-09');
    expect(days).toEqual(expect.arrayContaining(['2032-06-10', '2032-06-11']));
    expect(await rowsByPartition(db)).toMatchObject({ audit_events_p20320610: 50, audit_events_p20320611: 50 });
    expect(removed).toBeGreaterThanOrEqual(50);
    expect(logs.lines().find((line) => line.msg === 'dropped audit partitions past their retention')).toMatchObject({
      partitions: expect.arrayContaining(['audit_events_p20320609']),
      estimated_rows: expect.any(Number),
    });
  });

  it('reads only the partitions of the days a time-ranged query asks for', async () => {
    await store.maintainPartitions(day('2033-01-01'), 9, null);
    const query = store
      .pageQuery({ since: new Date('2033-01-03T00:00:00Z'), until: new Date('2033-01-05T00:00:00Z') }, null, 50)
      .toString();
    expect(await relationsRead(db, query)).toEqual(['audit_events_p20330103', 'audit_events_p20330104']);
    const filtered = store
      .pageQuery({ type: 'token.issued', since: new Date('2033-01-07T10:00:00Z') }, null, 50)
      .toString();
    const read = await relationsRead(db, filtered);
    expect(read).toContain('audit_events_p20330107');
    expect(read).not.toContain('audit_events_p20330106');
  });

  it('keeps what events the unpartitioned table held when migrating', async () => {
    const { db: fresh, close } = await driver.open();
    try {
      // Back to the table as it was, with events in it, then forward again.
      const partitioning = MIGRATIONS.find(({ name }) => name === '20261203_001_audit_events_partitioned')!;
      expect(partitioning).toBeDefined();
      await partitioning.down(fresh);
      const old = [eventAt(new Date('2026-09-01T08:00:00Z')), eventAt(new Date('2026-12-01T08:00:00Z'))];
      await fresh('audit_events').insert(old.map((event) => ({ ...event, details: JSON.stringify(event.details) })));
      await partitioning.up(fresh);
      const rows = await rowsByPartition(fresh);
      expect(rows).toMatchObject({ audit_events_p20260901: 1, audit_events_p20261201: 1 });
      expect(rows.audit_events_default ?? 0).toBe(0);
      expect(await partitionDays(fresh)).toHaveLength(
        Math.floor(Date.now() / DAY_MS) - Math.floor(old[0]!.at.getTime() / DAY_MS) + 8,
      );
    } finally {
      await close();
    }
  }, 60_000);
});
