import type { Knex } from 'knex';
import type { SigningAlgorithm } from '../config/variables.js';
import { LOCKS } from '../db/locks.js';
import type { KeyStatus, PublicJwk } from './types.js';

export interface StoredKeyRow {
  kid: string;
  alg: SigningAlgorithm;
  status: KeyStatus;
  public_jwk: PublicJwk;
  private_key_ciphertext: string;
  created_at: Date;
  activated_at: Date | null;
  retired_at: Date | null;
  expires_at: Date | null;
}

const TABLE = 'signing_keys';

export class KeyStore {
  constructor(private readonly db: Knex) {}

  /**
   * Runs `work` in a transaction holding the key lock, so concurrent instances change keys one at a
   * time. `now` is the database clock once the lock is held: every instance decides and stamps key
   * changes with the same clock, whatever its own says.
   */
  async withLock<T>(work: (trx: Knex.Transaction, now: Date) => Promise<T>): Promise<T> {
    return this.db.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(?)', [LOCKS.keyStates]);
      const { rows } = (await trx.raw('select clock_timestamp() as now')) as { rows: [{ now: Date | string }] };
      return work(trx, new Date(rows[0].now));
    });
  }

  async list(db: Knex = this.db): Promise<StoredKeyRow[]> {
    return db<StoredKeyRow>(TABLE).select('*').orderBy('created_at', 'asc');
  }

  async exists(): Promise<boolean> {
    return Boolean(await this.db(TABLE).first('kid'));
  }

  async insert(
    trx: Knex,
    row: Pick<
      StoredKeyRow,
      'kid' | 'alg' | 'status' | 'public_jwk' | 'private_key_ciphertext' | 'created_at' | 'activated_at'
    >,
  ): Promise<void> {
    await trx(TABLE).insert({ ...row, public_jwk: JSON.stringify(row.public_jwk) });
  }

  async update(
    trx: Knex,
    kid: string,
    changes: Partial<Pick<StoredKeyRow, 'status' | 'activated_at' | 'retired_at' | 'expires_at'>>,
  ): Promise<void> {
    await trx(TABLE).where({ kid }).update(changes);
  }

  async delete(trx: Knex, kid: string): Promise<void> {
    await trx(TABLE).where({ kid }).delete();
  }

  /** Deletes retired keys whose last token has expired; returns their kids. */
  async deleteExpired(trx: Knex, now: Date): Promise<string[]> {
    const rows: { kid: string }[] = await trx(TABLE)
      .where('status', 'retired')
      .andWhere('expires_at', '<=', now)
      .delete(['kid']);
    return rows.map((row) => row.kid);
  }
}
