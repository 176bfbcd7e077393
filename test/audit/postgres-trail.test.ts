import type { AuditEvent, AuditEventInput } from '../../src/audit/event.js';
import type { AuditEventType } from '../../src/audit/event-types.js';
import { LogAuditTrail } from '../../src/audit/log-trail.js';
import { AUDIT_QUEUE_DEFAULTS, type AuditQueueOptions, PostgresAuditTrail } from '../../src/audit/postgres-trail.js';
import { AuditStore, type SerialisedAuditRow } from '../../src/audit/store.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { type CapturedLogs, captureLogs } from '../support/logs.js';
import { waitFor } from '../support/poll.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

/**
 * The real store on the real database, with failures injected in front of it (or, for lost answers,
 * after a write that committed) and each write attempt recorded: a COPY or an INSERT.
 */
class InstrumentedStore extends AuditStore {
  attempts: ('copy' | 'insert')[] = [];
  failuresLeft = 0;
  lostAnswersLeft = 0;

  override async copySerialised(rows: readonly SerialisedAuditRow[]): Promise<void> {
    await this.attempt('copy', () => super.copySerialised(rows));
  }

  override async insertSerialised(rows: readonly SerialisedAuditRow[]): Promise<void> {
    await this.attempt('insert', () => super.insertSerialised(rows));
  }

  get writes(): number {
    return this.attempts.length;
  }

  private async attempt(kind: 'copy' | 'insert', write: () => Promise<void>): Promise<void> {
    this.attempts.push(kind);
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new Error('injected write failure');
    }
    await write();
    if (this.lostAnswersLeft > 0) {
      this.lostAnswersLeft -= 1;
      throw new Error('injected loss of the answer to a committed write');
    }
  }
}

let database: TestDatabase;
let db: Database;
const trails: PostgresAuditTrail[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = openDatabase({ databaseUrl: database.url, dataDir: '' });
  await migrateToLatest(db, database.url);
});

afterAll(async () => {
  for (const trail of trails) await trail.close();
  await db?.destroy();
  await database?.drop();
});

function openTrail(options: Partial<AuditQueueOptions> = {}): {
  trail: PostgresAuditTrail;
  store: InstrumentedStore;
  logs: CapturedLogs;
} {
  const store = new InstrumentedStore(db);
  const logs = captureLogs();
  // A long interval unless a test wants the timer: writes then happen only when the test causes them.
  const trail = new PostgresAuditTrail(store, new LogAuditTrail(logs.logger), logs.logger, {
    ...AUDIT_QUEUE_DEFAULTS,
    flushIntervalMs: 60_000,
    ...options,
  });
  trails.push(trail);
  return { trail, store, logs };
}

function event(type: string, extra: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    // Synthetic types keep this file's events apart; the union holds only what Tollgate records.
    type: type as AuditEventType,
    actor: 'tester',
    client_id: 'tgc_trail',
    ip: '192.0.2.1',
    request_id: 'req-1',
    details: { n: 1 },
    ...extra,
  };
}

async function storedOfType(type: string): Promise<Record<string, unknown>[]> {
  return db('audit_events').where({ type }).orderBy('at');
}

describe('PostgresAuditTrail', () => {
  it('only queues on record, then writes in multi-row batches of batchSize', async () => {
    const { trail, store } = openTrail({ batchSize: 500 });
    for (let i = 0; i < 1_200; i += 1) trail.record(event('test.batched'));
    expect(trail.stats()).toEqual({ queued: 1_200, stored: 0, notStored: 0 });
    await trail.flush();
    expect(store.writes).toBe(3);
    expect(trail.stats()).toEqual({ queued: 0, stored: 1_200, notStored: 0 });
    expect(await storedOfType('test.batched')).toHaveLength(1_200);
  });

  it('writes as soon as a batch is full, without waiting for the interval', async () => {
    const { trail } = openTrail({ batchSize: 10 });
    for (let i = 0; i < 10; i += 1) trail.record(event('test.threshold'));
    await waitFor('a full batch to be written', 5_000, async () => trail.stats().stored === 10);
    expect(await storedOfType('test.threshold')).toHaveLength(10);
  });

  it('writes on the interval', async () => {
    const { trail } = openTrail({ flushIntervalMs: 50 });
    trail.record(event('test.interval'));
    await waitFor('the interval write', 5_000, async () => (await storedOfType('test.interval')).length === 1);
  });

  it('stores every field and logs one line per event with the same id and time', async () => {
    const { trail, logs } = openTrail();
    trail.record(
      event('test.fields', {
        organization_id: 'org-7',
        details: { reason: 'invalid_secret', nested: { list: [1, 2] } },
      }),
    );
    await trail.flush();
    const [row] = await storedOfType('test.fields');
    const lines = logs.lines().filter((line) => line.msg === 'test.fields');
    expect(lines).toHaveLength(1);
    const logged = lines[0]!.audit as Record<string, unknown>;
    expect(row).toMatchObject({
      id: logged.id,
      type: 'test.fields',
      actor: 'tester',
      client_id: 'tgc_trail',
      organization_id: 'org-7',
      ip: '192.0.2.1',
      request_id: 'req-1',
      details: { reason: 'invalid_secret', nested: { list: [1, 2] } },
    });
    expect((row!.at as Date).toISOString()).toBe(logged.at);
  });

  it('retries a failed batch, and a batch that committed before is not stored twice', async () => {
    const { trail, store, logs } = openTrail({ flushIntervalMs: 20 });
    store.failuresLeft = 2;
    for (let i = 0; i < 3; i += 1) trail.record(event('test.retried'));
    await waitFor('the retried batch to be written', 5_000, async () => trail.stats().stored === 3);
    expect(trail.stats().notStored).toBe(0);
    expect(logs.lines().filter((line) => line.msg === 'could not store audit events; will retry')).toHaveLength(2);
    const rows = await storedOfType('test.retried');
    expect(rows).toHaveLength(3);
    await store.insert(rows as unknown as AuditEvent[]);
    expect(await storedOfType('test.retried')).toHaveLength(3);
  });

  it('copies a batch on its first try and inserts it on retries, so a write that committed is not stored twice', async () => {
    const { trail, store } = openTrail({ flushIntervalMs: 20 });
    store.lostAnswersLeft = 1;
    for (let i = 0; i < 3; i += 1) trail.record(event('test.answer-lost'));
    await waitFor('the batch to be confirmed', 5_000, async () => trail.stats().stored === 3);
    expect(store.attempts).toEqual(['copy', 'insert']);
    expect(trail.stats().notStored).toBe(0);
    expect(await storedOfType('test.answer-lost')).toHaveLength(3);
  });

  it('gives a batch up after maxAttempts, counts it and logs it', async () => {
    const { trail, store, logs } = openTrail({ flushIntervalMs: 10, maxAttempts: 3 });
    store.failuresLeft = Infinity;
    for (let i = 0; i < 4; i += 1) trail.record(event('test.given-up'));
    await waitFor('the batch to be given up', 5_000, async () => trail.stats().notStored === 4);
    expect(trail.stats().queued).toBe(0);
    const report = logs.lines().find((line) => line.msg === 'gave up storing audit events; each one is in the log');
    expect(report).toMatchObject({ not_stored: 4, attempts: 3 });
    // Each given-up event still has its own log line.
    expect(logs.lines().filter((line) => line.msg === 'test.given-up')).toHaveLength(4);
  });

  it('bounds the queue: past maxQueued events are logged, counted and reported, not queued', async () => {
    const { trail, store, logs } = openTrail({ maxQueued: 5 });
    store.failuresLeft = 1;
    for (let i = 0; i < 8; i += 1) trail.record(event('test.bounded'));
    expect(trail.stats()).toEqual({ queued: 5, stored: 0, notStored: 3 });
    await trail.flush();
    expect(
      logs.lines().find((line) => line.msg === 'audit queue full: events were logged but not stored'),
    ).toMatchObject({ not_stored: 3, max_queued: 5 });
    expect(logs.lines().filter((line) => line.msg === 'test.bounded')).toHaveLength(8);
    await trail.flush();
    expect(trail.stats()).toEqual({ queued: 0, stored: 5, notStored: 3 });
  });

  it('writes what is queued on close, and counts events recorded after it', async () => {
    const { trail, logs } = openTrail();
    for (let i = 0; i < 7; i += 1) trail.record(event('test.closed'));
    await trail.close();
    expect(await storedOfType('test.closed')).toHaveLength(7);
    trail.record(event('test.after-close'));
    expect(trail.stats()).toEqual({ queued: 0, stored: 7, notStored: 1 });
    expect(
      logs.lines().some((line) => line.msg === 'audit event recorded after shutdown was logged but not stored'),
    ).toBe(true);
  });

  it('counts and logs what it could not write before closing', async () => {
    const { trail, store, logs } = openTrail();
    store.failuresLeft = Infinity;
    for (let i = 0; i < 3; i += 1) trail.record(event('test.close-failed'));
    await trail.close();
    expect(trail.stats()).toEqual({ queued: 0, stored: 0, notStored: 3 });
    expect(
      logs
        .lines()
        .find((line) => line.msg === 'audit events could not be stored before shutdown; each one is in the log'),
    ).toMatchObject({ not_stored: 3 });
  });

  it('stores values Postgres would refuse (NUL, lone surrogates, huge ids) instead of failing the batch', async () => {
    const { trail } = openTrail();
    trail.record(
      event('test.hostile', {
        client_id: `evil\u0000${'x'.repeat(5_000)}`,
        details: { reason: 'bad\u0000', odd: '\uD800' },
      }),
    );
    trail.record(event('test.hostile'));
    await trail.flush();
    expect(trail.stats().notStored).toBe(0);
    const rows = await storedOfType('test.hostile');
    expect(rows).toHaveLength(2);
    const hostile = rows.find((row) => (row.client_id as string).startsWith('evil'))!;
    expect((hostile.client_id as string).length).toBeLessThanOrEqual(257);
    expect(hostile.details).toEqual({ reason: 'bad\uFFFD', odd: '\uFFFD' });
  });

  it('stores text that only looks like those escapes, paired surrogates and COPY delimiters exactly as recorded', async () => {
    const { trail } = openTrail();
    const details = { path: 'C:\\u0000\\ud800', emoji: '\u{1F512} ok', layout: 'a\tb\nc\rd\\N \\t' };
    trail.record(event('test.lookalike', { details, request_id: 'r\t1\n\\N' }));
    await trail.flush();
    const rows = await storedOfType('test.lookalike');
    expect(rows.map((row) => row.details)).toEqual([details]);
    expect(rows.map((row) => row.request_id)).toEqual(['r\t1\n\\N']);
  });
});
