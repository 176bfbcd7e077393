import type { Knex } from 'knex';

const DAY_MS = 86_400_000;
/** Partitions made for the days ahead; afterwards the audit maintenance job keeps a week ahead. */
const DAYS_AHEAD = 7;

const day = (at: Date) => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
const name = (start: Date) => `audit_events_p${start.toISOString().slice(0, 10).replace(/-/g, '')}`;

/**
 * audit_events becomes a table partitioned by day on `at` (native declarative partitioning), so that
 * retention drops whole days instead of deleting rows, and queries with a time range read only their
 * days. The primary key includes `at`, as Postgres requires of a partitioned table. Existing events are
 * copied into partitions of their days; a default partition takes rows of days without one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table audit_events rename to audit_events_unpartitioned');
  for (const index of ['at_id', 'type_at_id', 'client_id_at_id', 'organization_id_at_id'])
    await knex.raw(
      `alter index if exists audit_events_${index}_index rename to audit_events_unpartitioned_${index}_index`,
    );
  await knex.raw(
    'alter table audit_events_unpartitioned rename constraint audit_events_pkey to audit_events_unpartitioned_pkey',
  );
  await knex.raw(`create table audit_events (
    id uuid not null,
    at timestamptz not null,
    type text not null,
    actor text,
    client_id text,
    organization_id text,
    ip text,
    request_id text,
    details jsonb not null default '{}',
    primary key (id, at)
  ) partition by range (at)`);
  // Newest-first keyset pagination (at, id) for each filter; created on every partition.
  await knex.raw('create index audit_events_at_id_index on audit_events (at, id)');
  await knex.raw('create index audit_events_type_at_id_index on audit_events (type, at, id)');
  await knex.raw('create index audit_events_client_id_at_id_index on audit_events (client_id, at, id)');
  await knex.raw('create index audit_events_organization_id_at_id_index on audit_events (organization_id, at, id)');
  await knex.raw('create table audit_events_default partition of audit_events default');

  const { rows } = (await knex.raw('select min(at) as oldest, now() as now from audit_events_unpartitioned')) as {
    rows: { oldest: Date | null; now: Date }[];
  };
  const today = day(new Date(rows[0]!.now));
  const first = rows[0]!.oldest ? day(new Date(rows[0]!.oldest)) : today;
  for (
    let start = first;
    start.getTime() <= today.getTime() + DAYS_AHEAD * DAY_MS;
    start = new Date(start.getTime() + DAY_MS)
  ) {
    const end = new Date(start.getTime() + DAY_MS);
    await knex.raw(
      `create table ${name(start)} partition of audit_events for values from ('${start.toISOString()}') to ('${end.toISOString()}')`,
    );
  }
  await knex.raw('insert into audit_events select * from audit_events_unpartitioned');
  await knex.raw('drop table audit_events_unpartitioned');
}

/** Back to one table: the rows are copied, the partitions dropped with their parent. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw('create table audit_events_unpartitioned (like audit_events including defaults)');
  await knex.raw('insert into audit_events_unpartitioned select * from audit_events');
  await knex.raw('drop table audit_events');
  await knex.raw('alter table audit_events_unpartitioned rename to audit_events');
  await knex.raw('alter table audit_events add primary key (id)');
  await knex.schema.alterTable('audit_events', (t) => {
    t.index(['at', 'id']);
    t.index(['type', 'at', 'id']);
    t.index(['client_id', 'at', 'id']);
    t.index(['organization_id', 'at', 'id']);
  });
}
