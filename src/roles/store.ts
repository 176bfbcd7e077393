import type { Knex } from 'knex';
import type { Role } from './types.js';

const TABLE = 'roles';

interface Row {
  name: string;
  scopes: string[];
  description: string;
  created_at: Date;
  updated_at: Date;
}

/** knex access for custom roles (the built-in ones live in code). */
export class RoleStore {
  constructor(private readonly db: Knex) {}

  async list(): Promise<Role[]> {
    return (await this.db<Row>(TABLE).orderBy('name')).map(toRole);
  }

  async insert(role: Pick<Role, 'name' | 'scopes' | 'description'>): Promise<Role> {
    const [row] = await this.db<Row>(TABLE)
      .insert({ name: role.name, scopes: JSON.stringify(role.scopes) as never, description: role.description })
      .returning('*');
    return toRole(row!);
  }

  /**
   * Reads a role and locks it against deletion until the transaction ends (FOR KEY SHARE), so a client
   * being given the role and the role being deleted cannot both succeed.
   */
  async findForAssignment(name: string, trx: Knex.Transaction): Promise<Role | undefined> {
    const row = await trx<Row>(TABLE).where({ name }).forKeyShare().first();
    return row && toRole(row);
  }

  /** Reads a role and locks it (FOR UPDATE) for a change or a deletion in this transaction. */
  async findForChange(name: string, trx: Knex.Transaction): Promise<Role | undefined> {
    const row = await trx<Row>(TABLE).where({ name }).forUpdate().first();
    return row && toRole(row);
  }

  async update(
    name: string,
    changes: Partial<Pick<Role, 'scopes' | 'description'>>,
    trx: Knex.Transaction,
  ): Promise<Role> {
    const values: Record<string, unknown> = { updated_at: trx.fn.now() };
    if (changes.scopes) values.scopes = JSON.stringify(changes.scopes);
    if (changes.description !== undefined) values.description = changes.description;
    const [row] = await trx<Row>(TABLE).where({ name }).update(values).returning('*');
    return toRole(row!);
  }

  async delete(name: string, trx: Knex.Transaction): Promise<void> {
    await trx(TABLE).where({ name }).delete();
  }
}

function toRole(row: Row): Role {
  return { name: row.name, scopes: row.scopes, description: row.description, builtIn: false };
}
