import type { Knex } from 'knex';
import { type Page, type PageRequest, pageOf } from '../db/paging.js';
import type { OrganizationRecord } from './types.js';

const TABLE = 'organizations';

type Row = OrganizationRecord & { seq: string };

/** knex access for organizations; nothing here decides anything. */
export class OrganizationStore {
  constructor(private readonly db: Knex) {}

  async insert(record: Pick<OrganizationRecord, 'id' | 'name' | 'api_enabled'>): Promise<OrganizationRecord> {
    const [row] = await this.db<Row>(TABLE).insert(record).returning('*');
    return strip(row!);
  }

  async find(id: string): Promise<OrganizationRecord | undefined> {
    const row = await this.db<Row>(TABLE).where({ id }).first();
    return row && strip(row);
  }

  /** Oldest first, so a growing list pages stably; positions are `seq`. */
  async page({ limit, after }: PageRequest): Promise<Page<OrganizationRecord>> {
    const rows: Row[] = await this.db<Row>(TABLE)
      .modify((q) => {
        if (after) q.where('seq', '>', after);
      })
      .orderBy('seq', 'asc')
      .limit(limit + 1);
    const page = pageOf(rows, limit, (row) => String(row.seq));
    return { items: page.items.map(strip), next: page.next };
  }

  async update(
    id: string,
    changes: Partial<Pick<OrganizationRecord, 'name' | 'api_enabled'>>,
  ): Promise<OrganizationRecord | undefined> {
    const [row] = await this.db<Row>(TABLE)
      .where({ id })
      .update({ ...changes, updated_at: this.db.fn.now() })
      .returning('*');
    return row && strip(row);
  }

  /** Locks the organization (FOR UPDATE) so no client can be added to it until the transaction ends. */
  async lockForDeletion(id: string, trx: Knex.Transaction): Promise<boolean> {
    return Boolean(await trx(TABLE).where({ id }).forUpdate().first('id'));
  }

  async delete(id: string, trx: Knex.Transaction): Promise<void> {
    await trx(TABLE).where({ id }).delete();
  }

  /** Ids of the organizations whose API is switched off, for the in-memory switch. */
  async disabledIds(): Promise<string[]> {
    const rows: { id: string }[] = await this.db(TABLE).where({ api_enabled: false }).select('id');
    return rows.map((row) => row.id);
  }
}

function strip(row: Row): OrganizationRecord {
  const { seq: _seq, ...record } = row;
  return record;
}
