import type { Knex } from 'knex';

const DAY_MS = 86_400_000;

/** One day's partition of a table partitioned by range of a timestamptz column, [day, day + 1 day) in UTC. */
export interface DailyPartition {
  readonly name: string;
  /** Its first instant, midnight UTC. */
  readonly day: Date;
}

/** Midnight UTC of the day `at` falls on. */
export function utcDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

export function addDays(day: Date, days: number): Date {
  return new Date(day.getTime() + days * DAY_MS);
}

function partitionName(table: string, day: Date): string {
  return `${table}_p${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** The catch-all partition: rows for days that have no partition (yet) land here rather than fail. */
export function defaultPartitionName(table: string): string {
  return `${table}_default`;
}

/** The table's daily partitions, oldest first (the default partition is not one of them). */
export async function listDailyPartitions(db: Knex, table: string): Promise<DailyPartition[]> {
  const { rows } = (await db.raw(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = ?::regclass order by c.relname`,
    [table],
  )) as { rows: { name: string }[] };
  const pattern = new RegExp(`^${table}_p(\\d{4})(\\d{2})(\\d{2})$`);
  return rows.flatMap(({ name }) => {
    const match = pattern.exec(name);
    return match ? [{ name, day: new Date(`${match[1]}-${match[2]}-${match[3]}T00:00:00Z`) }] : [];
  });
}

/**
 * Creates the partition of `day` unless it exists. Rows of that day already in the default partition
 * (written while it did not exist) move into it, in the same transaction: Postgres refuses to create a
 * partition whose rows sit in the default one. Bounds are literals (DDL takes no parameters), written
 * from a Date, never from input.
 */
export async function createDailyPartition(trx: Knex.Transaction, table: string, day: Date): Promise<boolean> {
  const start = utcDay(day);
  const name = partitionName(table, start);
  const exists = (await trx.raw('select to_regclass(?) as oid', [name])) as { rows: { oid: string | null }[] };
  if (exists.rows[0]?.oid) return false;
  const [from, to] = [start.toISOString(), addDays(start, 1).toISOString()];
  const defaultPartition = defaultPartitionName(table);
  const moving = `${table}_moving`;
  await trx.raw(`create temporary table ${moving} (like ${table}) on commit drop`);
  await trx.raw(
    `with moved as (delete from ${defaultPartition} where at >= ? and at < ? returning *)
     insert into ${moving} select * from moved`,
    [from, to],
  );
  await trx.raw(`create table ${name} partition of ${table} for values from ('${from}') to ('${to}')`);
  await trx.raw(`insert into ${table} select * from ${moving}`);
  await trx.raw(`drop table ${moving}`);
  return true;
}

/** The planner's estimate of a table's rows (0 before it was ever analysed): counting a day exactly is a full scan. */
export async function estimatedRows(db: Knex, name: string): Promise<number> {
  const { rows } = (await db.raw('select reltuples::bigint as rows from pg_class where oid = ?::regclass', [name])) as {
    rows: { rows: string | number }[];
  };
  return Math.max(0, Number(rows[0]?.rows ?? 0));
}

/** Drops one daily partition: its rows go at once, with no dead tuples left behind for vacuum. */
export async function dropDailyPartition(trx: Knex.Transaction, partition: DailyPartition): Promise<void> {
  await trx.raw(`drop table if exists ${partition.name}`);
}
