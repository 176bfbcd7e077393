import { ClientLookup, type ClientLookupOptions } from '../../src/clients/lookup.js';
import type { ClientRecord } from '../../src/clients/types.js';
import { LocalChangeFeed } from '../../src/sync/change-feed.js';
import { DependencyUnavailableError } from '../../src/x/errors.js';
import { clientRecord } from '../support/client-records.js';

/** A pending store answer the test settles by hand. */
interface Pending {
  readonly clientId: string;
  resolve(record: ClientRecord | undefined): void;
  reject(error: unknown): void;
}

/**
 * The client table as the lookup sees it (its one method, `find`): answers from `records` at once, or
 * fails with `failure`, or, while `hold` is set, keeps each query pending until the test settles it.
 */
class Table {
  readonly records = new Map<string, ClientRecord>();
  queries: string[] = [];
  failure: unknown = null;
  hold = false;
  readonly pending: Pending[] = [];

  find = (clientId: string): Promise<ClientRecord | undefined> => {
    this.queries.push(clientId);
    if (this.hold)
      return new Promise((resolve, reject) => {
        this.pending.push({ clientId, resolve, reject });
      });
    if (this.failure !== null) return Promise.reject(this.failure);
    return Promise.resolve(this.records.get(clientId));
  };
}

const MINUTE = 60_000;
const outage = () => new DependencyUnavailableError('database', 'the database is unavailable');
/** Lets every pending promise callback run, as far as nothing waits for I/O. */
const microtasks = () => new Promise((resolve) => setImmediate(resolve));
/** Lets real time pass beyond a TTL: a fact about the clock, not a wait for something to happen. */
const elapse = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function open(options: Partial<ClientLookupOptions> = {}) {
  const table = new Table();
  const changes = new LocalChangeFeed();
  const lookup = new ClientLookup(table, { ttlMs: MINUTE, staleIfErrorMs: MINUTE, ...options }, changes);
  return { table, changes, lookup };
}

describe('the client cache', () => {
  it('answers from memory within the TTL, known and unknown ids alike', async () => {
    const { table, lookup } = open();
    table.records.set('tgc_known', clientRecord('tgc_known'));
    expect((await lookup.find('tgc_known'))?.record.clientId).toBe('tgc_known');
    expect(await lookup.find('tgc_unknown')).toBeNull();
    table.records.delete('tgc_known');
    table.records.set('tgc_unknown', clientRecord('tgc_unknown'));
    expect((await lookup.find('tgc_known'))?.record.clientId).toBe('tgc_known');
    expect(await lookup.find('tgc_unknown')).toBeNull();
    expect(table.queries).toEqual(['tgc_known', 'tgc_unknown']);
  });

  it('asks again once the TTL has passed', async () => {
    const { table, lookup } = open({ ttlMs: 20 });
    table.records.set('tgc_a', clientRecord('tgc_a', { name: 'before' }));
    expect((await lookup.find('tgc_a'))?.record.name).toBe('before');
    table.records.set('tgc_a', clientRecord('tgc_a', { name: 'after' }));
    await elapse(40);
    expect((await lookup.find('tgc_a'))?.record.name).toBe('after');
    expect(table.queries).toEqual(['tgc_a', 'tgc_a']);
  });

  it('answers an id no client can have without a query or the pre-query check', async () => {
    const { table, lookup } = open();
    const beforeQuery = async () => {
      throw new Error('must not be asked');
    };
    for (const id of ['', 'a\u0000b', 'has space', 'x'.repeat(129)])
      expect(await lookup.find(id, beforeQuery)).toBeNull();
    expect(table.queries).toEqual([]);
  });

  it('awaits the pre-query check only on a miss, and asks nothing when it throws', async () => {
    const { table, lookup } = open();
    table.records.set('tgc_a', clientRecord('tgc_a'));
    const refused = new Error('blocked');
    await expect(
      lookup.find('tgc_a', async () => {
        throw refused;
      }),
    ).rejects.toBe(refused);
    expect(table.queries).toEqual([]);
    let checks = 0;
    const count = async () => {
      checks += 1;
    };
    await lookup.find('tgc_a', count);
    await lookup.find('tgc_a', count);
    expect(checks).toBe(1);
  });

  it('sends one query however many lookups miss at once', async () => {
    const { table, lookup } = open();
    table.hold = true;
    const answers = Promise.all(Array.from({ length: 10 }, () => lookup.find('tgc_a')));
    await microtasks();
    expect(table.pending).toHaveLength(1);
    table.pending[0]!.resolve(clientRecord('tgc_a'));
    expect((await answers).map((client) => client?.record.clientId)).toEqual(Array(10).fill('tgc_a'));
    expect(table.queries).toEqual(['tgc_a']);
  });

  it('compiles the IP allowlist once per fetched record', async () => {
    const { table, lookup } = open();
    table.records.set('tgc_a', clientRecord('tgc_a', { ipAllowlist: ['192.0.2.0/24'] }));
    const client = await lookup.find('tgc_a');
    expect(client?.allowsIp('192.0.2.9')).toBe(true);
    expect(client?.allowsIp('198.51.100.1')).toBe(false);
    expect(await lookup.find('tgc_a')).toBe(client);
  });
});

describe("the client cache's change notices and generation counter", () => {
  it("forgets a client on its change notice, known or unknown, and keeps the others'", async () => {
    const { table, changes, lookup } = open();
    table.records.set('tgc_a', clientRecord('tgc_a', { status: 'active' }));
    table.records.set('tgc_b', clientRecord('tgc_b'));
    await lookup.find('tgc_a');
    await lookup.find('tgc_b');
    await lookup.find('tgc_new');
    table.records.set('tgc_a', clientRecord('tgc_a', { status: 'inactive' }));
    table.records.set('tgc_new', clientRecord('tgc_new'));
    await changes.publish({ type: 'client', clientId: 'tgc_a' });
    await changes.publish({ type: 'client', clientId: 'tgc_new' });
    await changes.publish({ type: 'roles' });
    expect((await lookup.find('tgc_a'))?.record.status).toBe('inactive');
    expect((await lookup.find('tgc_new'))?.record.clientId).toBe('tgc_new');
    await lookup.find('tgc_b');
    expect(table.queries).toEqual(['tgc_a', 'tgc_b', 'tgc_new', 'tgc_a', 'tgc_new']);
  });

  it('answers a lookup that overlapped a change notice but does not cache what it read', async () => {
    const { table, changes, lookup } = open();
    table.hold = true;
    const overlapping = lookup.find('tgc_a');
    await microtasks();
    // The query has read the old row; an admin change lands before it returns.
    await changes.publish({ type: 'client', clientId: 'tgc_a' });
    table.pending[0]!.resolve(clientRecord('tgc_a', { status: 'active' }));
    expect((await overlapping)?.record.status).toBe('active');

    table.hold = false;
    table.records.set('tgc_a', clientRecord('tgc_a', { status: 'inactive' }));
    expect((await lookup.find('tgc_a'))?.record.status).toBe('inactive');
    expect(table.queries).toEqual(['tgc_a', 'tgc_a']);
  });

  it('does not cache a lookup that overlapped a change of any other client either (one counter)', async () => {
    const { table, changes, lookup } = open();
    table.hold = true;
    const overlapping = lookup.find('tgc_a');
    await microtasks();
    await changes.publish({ type: 'client', clientId: 'tgc_other' });
    table.pending[0]!.resolve(clientRecord('tgc_a'));
    await overlapping;
    table.hold = false;
    table.records.set('tgc_a', clientRecord('tgc_a'));
    await lookup.find('tgc_a');
    expect(table.queries).toEqual(['tgc_a', 'tgc_a']);
  });
});

describe("the client cache's stale-if-error window", () => {
  it('serves an expired entry while the database is unavailable, within the window', async () => {
    const { table, lookup } = open({ ttlMs: 20, staleIfErrorMs: MINUTE });
    table.records.set('tgc_a', clientRecord('tgc_a'));
    table.records.set('tgc_gone', clientRecord('tgc_gone'));
    await lookup.find('tgc_a');
    expect(await lookup.find('tgc_missing')).toBeNull();
    await elapse(40);
    table.failure = outage();
    expect((await lookup.find('tgc_a'))?.record.clientId).toBe('tgc_a');
    // An unknown id stays unknown through the outage too.
    expect(await lookup.find('tgc_missing')).toBeNull();
    // Each stale answer asked the database first: it serves stale only because the query failed.
    expect(table.queries).toEqual(['tgc_a', 'tgc_missing', 'tgc_a', 'tgc_missing']);
  });

  it('passes the outage on for an id it never saw', async () => {
    const { table, lookup } = open();
    const error = outage();
    table.failure = error;
    await expect(lookup.find('tgc_a')).rejects.toBe(error);
  });

  it('passes the outage on once the entry is older than the TTL plus the window', async () => {
    const { table, lookup } = open({ ttlMs: 10, staleIfErrorMs: 20 });
    table.records.set('tgc_a', clientRecord('tgc_a'));
    await lookup.find('tgc_a');
    await elapse(60);
    const error = outage();
    table.failure = error;
    await expect(lookup.find('tgc_a')).rejects.toBe(error);
  });

  it('passes any other error on, however fresh the stale entry', async () => {
    const { table, lookup } = open({ ttlMs: 10, staleIfErrorMs: MINUTE });
    table.records.set('tgc_a', clientRecord('tgc_a'));
    await lookup.find('tgc_a');
    await elapse(30);
    const bug = new TypeError('a bug, not an outage');
    table.failure = bug;
    await expect(lookup.find('tgc_a')).rejects.toBe(bug);
  });

  it('does not serve an entry a change notice removed, even during an outage', async () => {
    const { table, changes, lookup } = open();
    table.records.set('tgc_a', clientRecord('tgc_a'));
    await lookup.find('tgc_a');
    await changes.publish({ type: 'client', clientId: 'tgc_a' });
    const error = outage();
    table.failure = error;
    await expect(lookup.find('tgc_a')).rejects.toBe(error);
  });
});
