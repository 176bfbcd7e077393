import type { Knex } from 'knex';
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

  /** Oldest first, so a growing list pages stably. Returns one extra row's seq as the next cursor. */
  async page(
    limit: number,
    afterSeq: string | null,
  ): Promise<{ records: OrganizationRecord[]; nextSeq: string | null }> {
    const rows = await this.db<Row>(TABLE)
      .modify((q) => {
        if (afterSeq) q.where('seq', '>', afterSeq);
      })
      .orderBy('seq', 'asc')
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    return { records: page.map(strip), nextSeq: rows.length > limit ? String(page[page.length - 1]!.seq) : null };
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
