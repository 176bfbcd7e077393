import type { Knex } from 'knex';
import { type Page, type PageRequest, pageOf } from '../db/paging.js';
import type { Organization, OrganizationChanges } from './types.js';

const TABLE = 'organizations';

interface Row {
  id: string;
  name: string;
  api_enabled: boolean;
  created_at: Date;
  updated_at: Date;
  seq: string;
}

function toOrganization(row: Row): Organization {
  return {
    id: row.id,
    name: row.name,
    apiEnabled: row.api_enabled,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The columns of the fields given; a field left out stays as it is. */
function columnsOf(changes: OrganizationChanges): Partial<Row> {
  return {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.apiEnabled !== undefined ? { api_enabled: changes.apiEnabled } : {}),
  };
}

/** knex access for organizations; nothing here decides anything. */
export class OrganizationStore {
  constructor(private readonly db: Knex) {}

  async insert(organization: Pick<Organization, 'id' | 'name' | 'apiEnabled'>): Promise<Organization> {
    const [row] = await this.db<Row>(TABLE)
      .insert({ id: organization.id, ...columnsOf(organization) })
      .returning('*');
    return toOrganization(row as Row);
  }

  async find(id: string): Promise<Organization | undefined> {
    const row: Row | undefined = await this.db<Row>(TABLE).where({ id }).first();
    return row && toOrganization(row);
  }

  /** Oldest first, so a growing list pages stably; positions are `seq`. */
  async page({ limit, after }: PageRequest): Promise<Page<Organization>> {
    const rows: Row[] = await this.db<Row>(TABLE)
      .modify((q) => {
        if (after) q.where('seq', '>', after);
      })
      .orderBy('seq', 'asc')
      .limit(limit + 1);
    const page = pageOf(rows, limit, (row) => String(row.seq));
    return { items: page.items.map(toOrganization), next: page.next };
  }

  async update(id: string, changes: OrganizationChanges): Promise<Organization | undefined> {
    const [row] = await this.db<Row>(TABLE)
      .where({ id })
      .update({ ...columnsOf(changes), updated_at: this.db.fn.now() })
      .returning('*');
    return row && toOrganization(row as Row);
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
