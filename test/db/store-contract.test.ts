import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../../src/audit/event.js';
import { AuditRetention } from '../../src/audit/retention.js';
import { AuditStore, serialiseRow } from '../../src/audit/store.js';
import { ClientStore } from '../../src/clients/store.js';
import type { ClientRecord } from '../../src/clients/types.js';
import type { Database } from '../../src/db/database.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../src/db/errors.js';
import { KeyStore, type StoredKeyRow } from '../../src/keys/store.js';
import { OrganizationStore } from '../../src/organizations/store.js';
import { RoleStore } from '../../src/roles/store.js';
import { SettingsStore } from '../../src/settings/store.js';
import { clientRecord } from '../support/client-records.js';
import { DATABASE_DRIVERS, type OpenedDatabase } from '../support/databases.js';
import { captureLogs } from '../support/logs.js';

/**
 * Every store that writes, against both drivers: the same calls must give the same answers, whichever
 * database is behind src/db/.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A client as the store inserts it: a full record without the columns the database fills in. */
function newClient(
  fields: Partial<ClientRecord> = {},
): Omit<ClientRecord, 'createdAt' | 'updatedAt' | 'lastUsedAt' | 'tokensValidAfter'> {
  const {
    createdAt: _created,
    updatedAt: _updated,
    lastUsedAt: _lastUsed,
    tokensValidAfter: _validAfter,
    ...insertable
  } = clientRecord(`tgc_${randomUUID().replace(/-/g, '').slice(0, 24)}`, {
    name: 'contract client',
    role: 'reader',
    ipAllowlist: ['10.0.0.0/8'],
    secretDigest: 'a'.repeat(64),
    ...fields,
  });
  return insertable;
}

function auditEvent(at: Date, fields: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: randomUUID(),
    at,
    type: 'test.contract',
    actor: null,
    client_id: null,
    organization_id: null,
    ip: null,
    request_id: null,
    details: {},
    ...fields,
  };
}

/** A real AuditStore that fails the sweep instead of letting it run on forever, as it did when a delete's count was NaN. */
class WatchedAuditStore extends AuditStore {
  deletes = 0;

  override async deleteOlderThan(cutoff: Date, limit: number): Promise<number | null> {
    this.deletes += 1;
    if (this.deletes > 20)
      throw new Error(`retention called deleteOlderThan ${this.deletes} times: the sweep never saw its end`);
    return super.deleteOlderThan(cutoff, limit);
  }
}

function keyRow(kid: string, status: StoredKeyRow['status'], fields: Partial<StoredKeyRow> = {}) {
  return {
    kid,
    alg: 'ES256' as const,
    status,
    public_jwk: { kty: 'EC', kid } as never,
    private_key_ciphertext: `sealed-${kid}`,
    created_at: new Date(),
    activated_at: null,
    ...fields,
  };
}

describe.each(DATABASE_DRIVERS)('stores on $name', (driver) => {
  let opened: OpenedDatabase;
  let db: Database;

  beforeAll(async () => {
    opened = await driver.open();
    db = opened.db;
  });

  afterAll(async () => {
    await opened?.close();
  });

  describe('ClientStore', () => {
    let store: ClientStore;
    beforeAll(() => {
      store = new ClientStore(db);
    });

    it('inserts and reads back a client in the same shape', async () => {
      const fields = newClient();
      const inserted = await store.insert(fields);
      expect(inserted).toMatchObject({ ...fields, lastUsedAt: null, tokensValidAfter: null });
      expect(inserted.createdAt).toBeInstanceOf(Date);
      expect(await store.find(fields.clientId)).toEqual(inserted);
      expect(await store.find('tgc_nobody')).toBeUndefined();
    });

    it('answers updates with the updated row, or undefined when there is none', async () => {
      const { clientId } = await store.insert(newClient());
      const updated = await store.update(clientId, { status: 'inactive', ipAllowlist: ['192.0.2.1'] });
      expect(updated).toMatchObject({ clientId, status: 'inactive', ipAllowlist: ['192.0.2.1'] });
      expect(await store.update('tgc_nobody', { status: 'inactive' })).toBeUndefined();
    });

    it('replaces a secret, keeping the old digest as the previous one during a grace period', async () => {
      const { clientId } = await store.insert(newClient({ secretDigest: '1'.repeat(64) }));
      const expires = new Date(Date.now() + MINUTE_MS);
      const replaced = await store.replaceSecret(clientId, '2'.repeat(64), expires);
      expect(replaced).toMatchObject({
        secretDigest: '2'.repeat(64),
        previousSecretDigest: '1'.repeat(64),
        previousSecretExpiresAt: expires,
      });
      expect(await store.replaceSecret('tgc_nobody', '3'.repeat(64), null)).toBeUndefined();
    });

    it('tells whether a delete removed a client', async () => {
      const { clientId } = await store.insert(newClient());
      expect(await store.delete(clientId)).toBe(true);
      expect(await store.delete(clientId)).toBe(false);
      expect(await store.find(clientId)).toBeUndefined();
    });

    it('deletes inside a transaction with the same answer', async () => {
      const { clientId } = await store.insert(newClient());
      expect(await db.transaction((trx) => store.delete(clientId, trx))).toBe(true);
    });

    it('records last use: from null at once, later only when a minute older', async () => {
      const { clientId } = await store.insert(newClient());
      const first = new Date(Date.now() - 10 * MINUTE_MS);
      await store.touchLastUsed([clientId], first);
      expect((await store.find(clientId))!.lastUsedAt).toEqual(first);
      await store.touchLastUsed([clientId], new Date(first.getTime() + 30_000));
      expect((await store.find(clientId))!.lastUsedAt).toEqual(first);
      const later = new Date(first.getTime() + 2 * MINUTE_MS);
      await store.touchLastUsed([clientId], later);
      expect((await store.find(clientId))!.lastUsedAt).toEqual(later);
    });

    it('pages newest first with a cursor made of digits', async () => {
      const organization = await new OrganizationStore(db).insert({
        id: `org_${randomUUID()}`,
        name: `paging ${randomUUID()}`,
        apiEnabled: true,
      });
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1)
        ids.push((await store.insert(newClient({ organizationId: organization.id }))).clientId);
      const first = await store.page({ limit: 2, after: null, organizationId: organization.id });
      expect(first.items.map((record) => record.clientId)).toEqual([ids[2], ids[1]]);
      expect(first.next).toMatch(/^\d+$/);
      const second = await store.page({ limit: 2, after: first.next, organizationId: organization.id });
      expect(second).toEqual({ items: [expect.objectContaining({ clientId: ids[0] })], next: null });
      expect(await store.existsWithRole('reader')).toBe(true);
      expect(await store.existsWithRole('no-such-role')).toBe(false);
      const deleted = await db.transaction((trx) => store.deleteByOrganization(organization.id, trx));
      expect(deleted.sort()).toEqual([...ids].sort());
    });
  });

  describe('KeyStore', () => {
    let store: KeyStore;
    beforeAll(() => {
      store = new KeyStore(db);
    });

    it('inserts, updates and deletes keys under the key lock, with the database clock', async () => {
      const now = await store.withLock(async (trx, lockedNow) => {
        await store.insert(trx, keyRow('k-active', 'active', { activated_at: lockedNow }));
        await store.insert(trx, keyRow('k-next', 'next'));
        return lockedNow;
      });
      expect(now).toBeInstanceOf(Date);
      expect(Math.abs(now.getTime() - Date.now())).toBeLessThan(MINUTE_MS);
      await store.withLock(async (trx, lockedNow) => {
        await store.update(trx, 'k-active', {
          status: 'retired',
          retired_at: lockedNow,
          expires_at: new Date(lockedNow.getTime() - 1),
        });
        await store.update(trx, 'k-next', { status: 'active', activated_at: lockedNow });
        await store.insert(trx, keyRow('k-spare', 'next'));
        await store.delete(trx, 'k-spare');
      });
      expect((await store.list()).map((row) => [row.kid, row.status])).toEqual([
        ['k-active', 'retired'],
        ['k-next', 'active'],
      ]);
      expect(await store.exists()).toBe(true);
    });

    it('deletes only retired keys past their expiry, and names them', async () => {
      const future = new Date(Date.now() + DAY_MS);
      await store.withLock((trx) => store.insert(trx, keyRow('k-retired-later', 'retired')));
      await store.withLock((trx) => store.update(trx, 'k-retired-later', { expires_at: future }));
      expect(await store.withLock((trx, now) => store.deleteExpired(trx, now))).toEqual(['k-active']);
      expect(await store.withLock((trx, now) => store.deleteExpired(trx, now))).toEqual([]);
      expect((await store.list()).map((row) => row.kid).sort()).toEqual(['k-next', 'k-retired-later']);
    });
  });

  describe('AuditStore and retention', () => {
    let store: AuditStore;
    const now = new Date();
    beforeAll(() => {
      store = new AuditStore(db);
    });
    beforeEach(async () => {
      await db('audit_events').delete();
    });

    it('inserts a batch once, however often it is retried, with its details', async () => {
      const events = [
        auditEvent(new Date(now.getTime() - 1), { details: { note: 'nul\u0000here', nested: { n: 1 } } }),
        auditEvent(now, { client_id: 'tgc_x' }),
      ];
      await store.insert(events);
      await store.insert(events);
      const page = await store.page({}, { limit: 10, after: null });
      expect(page.items.map((event) => event.id)).toEqual([events[1]!.id, events[0]!.id]);
      expect(page.items[1]!.details).toEqual({ note: 'nul\uFFFDhere', nested: { n: 1 } });
      expect(page.next).toBeNull();
      expect((await store.page({ clientId: 'tgc_x' }, { limit: 10, after: null })).items).toHaveLength(1);
    });

    it('copies a serialised batch, every field as the insert stores it, and refuses it whole a second time', async () => {
      const events = [
        auditEvent(new Date(now.getTime() - 1), {
          actor: 'tgc_y',
          client_id: `tab\there\u0000${'x'.repeat(300)}`,
          ip: '192.0.2.7',
          details: { note: 'nul\u0000here', lone: '\uD800', path: 'C:\\tmp\n' },
        }),
        auditEvent(now, { type: 'token.issued', organization_id: 'org_1', request_id: 'r\\N' }),
      ];
      const rows = events.map((event) => serialiseRow(event));
      await store.copySerialised(rows);
      expect(isUniqueViolation(await store.copySerialised(rows).catch((error: unknown) => error))).toBe(true);
      const copied = await store.page({}, { limit: 10, after: null });
      await db('audit_events').delete();
      await store.insertSerialised(rows);
      expect(copied.items).toEqual((await store.page({}, { limit: 10, after: null })).items);
      expect(copied.items[1]).toMatchObject({
        client_id: `tab\there\uFFFD${'x'.repeat(247)}…`,
        details: { note: 'nul\uFFFDhere', lone: '\uFFFD', path: 'C:\\tmp\n' },
      });
    });

    it('answers a delete of old events with how many it deleted, up to the limit', async () => {
      const old = new Date(now.getTime() - 100 * DAY_MS);
      await store.insert([auditEvent(old), auditEvent(old), auditEvent(old), auditEvent(now)]);
      const cutoff = new Date(now.getTime() - DAY_MS);
      expect(await store.deleteOlderThan(cutoff, 2)).toBe(2);
      expect(await store.deleteOlderThan(cutoff, 2)).toBe(1);
      expect(await store.deleteOlderThan(cutoff, 2)).toBe(0);
      expect((await store.page({}, { limit: 10, after: null })).items).toHaveLength(1);
    });

    it('retention ends its sweep and says how many events it deleted, across more than one chunk', async () => {
      const old = new Date(now.getTime() - 100 * DAY_MS);
      for (let start = 0; start < 5_003; start += 500) {
        await store.insert(Array.from({ length: Math.min(500, 5_003 - start) }, () => auditEvent(old)));
      }
      await store.insert([auditEvent(now)]);
      const watched = new WatchedAuditStore(db);
      expect(await new AuditRetention(watched, 30, captureLogs().logger).prune(now)).toBe(5_003);
      expect(watched.deletes).toBe(2);
      expect((await store.page({}, { limit: 10, after: null })).items).toHaveLength(1);
    });

    it('retention with nothing to delete ends at once', async () => {
      await store.insert([auditEvent(now)]);
      const watched = new WatchedAuditStore(db);
      expect(await new AuditRetention(watched, 30, captureLogs().logger).prune(now)).toBe(0);
      expect(watched.deletes).toBe(1);
    });
  });

  describe('OrganizationStore', () => {
    let store: OrganizationStore;
    beforeAll(() => {
      store = new OrganizationStore(db);
    });

    it('inserts, pages, updates and deletes organizations', async () => {
      const a = await store.insert({ id: `org_${randomUUID()}`, name: `Org A ${randomUUID()}`, apiEnabled: true });
      const b = await store.insert({ id: `org_${randomUUID()}`, name: `Org B ${randomUUID()}`, apiEnabled: true });
      expect(a.createdAt).toBeInstanceOf(Date);
      expect(await store.find(a.id)).toEqual(a);
      const all = await store.page({ limit: 1_000, after: null });
      expect(all.items.map((record) => record.id)).toEqual(expect.arrayContaining([a.id, b.id]));
      const first = await store.page({ limit: 1, after: null });
      expect(first.next).toMatch(/^\d+$/);

      expect(await store.update(b.id, { apiEnabled: false })).toMatchObject({ id: b.id, apiEnabled: false });
      expect(await store.update('org_nobody', { apiEnabled: false })).toBeUndefined();
      expect(await store.disabledIds()).toContain(b.id);

      await db.transaction(async (trx) => {
        expect(await store.lockForDeletion(b.id, trx)).toBe(true);
        await store.delete(b.id, trx);
      });
      expect(await store.find(b.id)).toBeUndefined();
      expect(await db.transaction((trx) => store.lockForDeletion(b.id, trx))).toBe(false);
    });

    it('reports a name taken, and an organization still holding clients, the same way', async () => {
      const name = `Taken ${randomUUID()}`;
      const organization = await store.insert({ id: `org_${randomUUID()}`, name, apiEnabled: true });
      const duplicate = await store
        .insert({ id: `org_${randomUUID()}`, name: name.toUpperCase(), apiEnabled: true })
        .catch((error: unknown) => error);
      expect(isUniqueViolation(duplicate)).toBe(true);
      await new ClientStore(db).insert(newClient({ organizationId: organization.id }));
      const refused = await db
        .transaction((trx) => store.delete(organization.id, trx))
        .catch((error: unknown) => error);
      expect(isForeignKeyViolation(refused)).toBe(true);
    });
  });

  describe('RoleStore', () => {
    let store: RoleStore;
    beforeAll(() => {
      store = new RoleStore(db);
    });

    it('inserts, lists, updates and deletes custom roles', async () => {
      const role = await store.insert({
        name: 'contract-role',
        scopes: ['a:read', 'b:write'],
        description: 'for the contract',
      });
      expect(role).toEqual({
        name: 'contract-role',
        scopes: ['a:read', 'b:write'],
        description: 'for the contract',
        builtIn: false,
      });
      expect(await store.list()).toContainEqual(role);
      const updated = await db.transaction(async (trx) => {
        expect(await store.findForChange('contract-role', trx)).toEqual(role);
        return store.update('contract-role', { scopes: ['a:read'] }, trx);
      });
      expect(updated).toEqual({ ...role, scopes: ['a:read'] });
      expect(await db.transaction((trx) => store.findForAssignment('contract-role', trx))).toEqual(updated);
      await db.transaction((trx) => store.delete('contract-role', trx));
      expect(await store.list()).not.toContainEqual(expect.objectContaining({ name: 'contract-role' }));
    });

    it('reports a name taken as a unique violation', async () => {
      await store.insert({ name: 'twice', scopes: [], description: '' });
      expect(
        isUniqueViolation(
          await store.insert({ name: 'twice', scopes: [], description: '' }).catch((error: unknown) => error),
        ),
      ).toBe(true);
    });
  });

  describe('SettingsStore', () => {
    let store: SettingsStore;
    beforeAll(() => {
      store = new SettingsStore(db);
    });

    it('reads and updates the single settings row', async () => {
      expect(await store.get()).toEqual({ apiEnabled: true, updatedAt: expect.any(Date) });
      const updated = await store.update({ apiEnabled: false });
      expect(updated).toEqual({ apiEnabled: false, updatedAt: expect.any(Date) });
      expect(await store.get()).toEqual(updated);
      await store.update({ apiEnabled: true });
    });

    it('marks the initial admin as created once', async () => {
      expect(await store.initialAdminCreatedAt()).toBeNull();
      await store.markInitialAdminCreated();
      const marked = await store.initialAdminCreatedAt();
      expect(marked).toBeInstanceOf(Date);
      await store.markInitialAdminCreated();
      expect(await store.initialAdminCreatedAt()).toEqual(marked);
    });
  });
});
