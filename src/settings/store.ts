import type { Knex } from 'knex';

const TABLE = 'platform_settings';

export interface SettingsRecord {
  api_enabled: boolean;
  updated_at: Date;
}

/** knex access for the single platform_settings row. */
export class SettingsStore {
  constructor(private readonly db: Knex) {}

  async get(): Promise<SettingsRecord> {
    const row = await this.db<SettingsRecord & { id: boolean }>(TABLE).first('api_enabled', 'updated_at');
    if (!row) throw new Error('platform_settings has no row; the migrations did not run');
    return row;
  }

  async initialAdminCreatedAt(): Promise<Date | null> {
    const row = await this.db<{ initial_admin_created_at: Date | null }>(TABLE).first('initial_admin_created_at');
    return row?.initial_admin_created_at ?? null;
  }

  async markInitialAdminCreated(): Promise<void> {
    await this.db(TABLE).whereNull('initial_admin_created_at').update({ initial_admin_created_at: this.db.fn.now() });
  }

  async update(changes: Partial<Pick<SettingsRecord, 'api_enabled'>>): Promise<SettingsRecord> {
    const [row] = await this.db(TABLE)
      .update({ ...changes, updated_at: this.db.fn.now() })
      .returning(['api_enabled', 'updated_at']);
    return row as SettingsRecord;
  }
}
