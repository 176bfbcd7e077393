import type { Knex } from 'knex';

const TABLE = 'platform_settings';

/** The platform settings, as the rules see them; the store maps the row (snake_case columns) to this. */
export interface Settings {
  readonly apiEnabled: boolean;
  readonly updatedAt: Date;
}

interface Row {
  api_enabled: boolean;
  updated_at: Date;
}

function toSettings(row: Row): Settings {
  return { apiEnabled: row.api_enabled, updatedAt: row.updated_at };
}

/** knex access for the single platform_settings row. */
export class SettingsStore {
  constructor(private readonly db: Knex) {}

  async get(): Promise<Settings> {
    const row: Row | undefined = await this.db<Row>(TABLE).first('api_enabled', 'updated_at');
    if (!row) throw new Error('platform_settings has no row; the migrations did not run');
    return toSettings(row);
  }

  async initialAdminCreatedAt(): Promise<Date | null> {
    const row = await this.db<{ initial_admin_created_at: Date | null }>(TABLE).first('initial_admin_created_at');
    return row?.initial_admin_created_at ?? null;
  }

  async markInitialAdminCreated(): Promise<void> {
    await this.db(TABLE).whereNull('initial_admin_created_at').update({ initial_admin_created_at: this.db.fn.now() });
  }

  async update(changes: Partial<Pick<Settings, 'apiEnabled'>>): Promise<Settings> {
    const columns = changes.apiEnabled === undefined ? {} : { api_enabled: changes.apiEnabled };
    const [row] = await this.db(TABLE)
      .update({ ...columns, updated_at: this.db.fn.now() })
      .returning(['api_enabled', 'updated_at']);
    return toSettings(row as Row);
  }
}
