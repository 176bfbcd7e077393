import type { Knex } from 'knex';
import { type Page, type PageRequest, pageOf } from '../db/paging.js';
import { camelCased, type SnakeCased, snakeCased } from '../x/case.js';
import type { ClientRecord, ClientStatus } from './types.js';

const TABLE = 'api_clients';

/** A row of api_clients: the record's properties as snake_case columns, and the listing order. */
type Row = SnakeCased<ClientRecord> & { seq: string };

export interface ClientPageQuery extends PageRequest {
  /** Only this organization's clients; undefined for every client. */
  readonly organizationId?: string;
  readonly role?: string;
  readonly status?: ClientStatus;
  /** Name contains it (any case), or client_id starts with it. */
  readonly search?: string;
}

/** LIKE patterns match the text literally: its own % and _ are escaped. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** knex access for api_clients; nothing here decides anything. */
export class ClientStore {
  constructor(private readonly db: Knex) {}

  async insert(
    record: Omit<ClientRecord, 'createdAt' | 'updatedAt' | 'lastUsedAt' | 'tokensValidAfter'>,
    db: Knex = this.db,
  ): Promise<ClientRecord> {
    const [row] = await db<Row>(TABLE).insert(toRow(record)).returning('*');
    return strip(row!);
  }

  async find(clientId: string, db: Knex = this.db): Promise<ClientRecord | undefined> {
    const row = await db<Row>(TABLE).where({ client_id: clientId }).first();
    return row && strip(row);
  }

  /** Newest first; positions are `seq`. */
  async page(query: ClientPageQuery): Promise<Page<ClientRecord>> {
    const rows: Row[] = await this.db<Row>(TABLE)
      .modify((q) => {
        if (query.after) q.where('seq', '<', query.after);
        if (query.organizationId !== undefined) q.where('organization_id', query.organizationId);
        if (query.role !== undefined) q.where('role', query.role);
        if (query.status !== undefined) q.where('status', query.status);
        if (query.search !== undefined) {
          const search = likeLiteral(query.search);
          q.where((match) => match.whereILike('name', `%${search}%`).orWhereLike('client_id', `${search}%`));
        }
      })
      .orderBy('seq', 'desc')
      .limit(query.limit + 1);
    const page = pageOf(rows, query.limit, (row) => String(row.seq));
    return { items: page.items.map(strip), next: page.next };
  }

  async update(
    clientId: string,
    changes: Partial<ClientRecord>,
    db: Knex = this.db,
  ): Promise<ClientRecord | undefined> {
    const values: Record<string, unknown> = { ...toRow(changes), updated_at: db.fn.now() };
    const [row] = await db<Row>(TABLE).where({ client_id: clientId }).update(values).returning('*');
    return row && strip(row);
  }

  /**
   * Replaces the secret digest in one statement. The right-hand sides see the row as it was, so with a
   * grace period the current digest becomes the previous one atomically, whatever runs concurrently.
   */
  async replaceSecret(
    clientId: string,
    secretDigest: string,
    previousExpiresAt: Date | null,
    db: Knex = this.db,
  ): Promise<ClientRecord | undefined> {
    const [row] = await db<Row>(TABLE)
      .where({ client_id: clientId })
      .update({
        secret_digest: secretDigest,
        previous_secret_digest: previousExpiresAt ? (db.ref('secret_digest') as never) : null,
        previous_secret_expires_at: previousExpiresAt,
        updated_at: db.fn.now() as never,
      })
      .returning('*');
    return row && strip(row);
  }

  async delete(clientId: string, db: Knex = this.db): Promise<boolean> {
    return (await db(TABLE).where({ client_id: clientId }).delete()) > 0;
  }

  /** Deletes every client of an organization; returns their ids. */
  async deleteByOrganization(organizationId: string, db: Knex): Promise<string[]> {
    const rows: { client_id: string }[] = await db(TABLE)
      .where({ organization_id: organizationId })
      .delete()
      .returning('client_id');
    return rows.map((row) => row.client_id);
  }

  async existsWithRole(role: string, db: Knex = this.db): Promise<boolean> {
    return Boolean(await db(TABLE).where({ role }).first('client_id'));
  }

  /** One statement for a whole batch; coarse to the minute so token issuance costs no extra writes. */
  async touchLastUsed(clientIds: readonly string[], at: Date): Promise<void> {
    await this.db(TABLE)
      .whereIn('client_id', clientIds)
      .andWhere((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<', new Date(at.getTime() - 60_000)))
      .update({ last_used_at: at });
  }
}

/** The JSON columns, as node-postgres needs them: serialized (it would send a top-level array as a Postgres array). */
const JSON_COLUMNS = ['ip_allowlist', 'jwks', 'federated_credentials'] as const;

function toRow<T extends Partial<ClientRecord>>(record: T): SnakeCased<T> {
  const row: Record<string, unknown> = snakeCased(record);
  for (const column of JSON_COLUMNS)
    if (row[column] !== undefined && row[column] !== null) row[column] = JSON.stringify(row[column]);
  return row as SnakeCased<T>;
}

function strip(row: Row): ClientRecord {
  const { seq: _seq, ...columns } = row;
  return camelCased(columns) as ClientRecord;
}
