/**
 * The audit-volume run of `npm run bench`: AUDIT_BENCH_ROWS events (default 20 million) over
 * AUDIT_BENCH_DAYS days (default 30), written in bulk with generate_series into the day partitions of a
 * fresh database, then the audit API's JSON pages and NDJSON export with filters (p50/p99 through the
 * real server), and retention removing the oldest day: its duration and the table's size before and
 * after. AUDIT_BENCH_ROWS=0 skips it.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { AuditRetention } from '../src/audit/retention.js';
import { AuditStore } from '../src/audit/store.js';
import { createLogger } from '../src/observability/logger.js';
import { startSharedServer } from '../test/support/modes.js';
import { adminToken } from '../test/support/oauth.js';

const ROWS = Number(process.env.AUDIT_BENCH_ROWS ?? 20_000_000);
const DAYS = Number(process.env.AUDIT_BENCH_DAYS ?? 30);
const QUERY_REPEATS = Number(process.env.AUDIT_BENCH_REPEATS ?? 20);
const INSERT_CHUNK = 1_000_000;
const DAY_MS = 86_400_000;
const CLIENTS = 10_000;

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export async function runAuditVolume(): Promise<string[]> {
  if (ROWS === 0) return [];
  const server = await startSharedServer({ LOG_LEVEL: 'silent', AUDIT_RETENTION_DAYS: '0' });
  const db = server.app.db;
  try {
    const store = new AuditStore(db);
    const now = new Date();
    const oldest = new Date(now.getTime() - DAYS * DAY_MS);
    await store.maintainPartitions(oldest, DAYS + 1, null);
    const spacingMs = (DAYS * DAY_MS) / ROWS;
    // Its own connection: the server's pool has a 10 s statement timeout, a bulk insert takes longer.
    const bulk = new pg.Client({ connectionString: server.config.databaseUrl });
    await bulk.connect();
    const writing = await timed(async () => {
      for (let first = 0; first < ROWS; first += INSERT_CHUNK) {
        const last = Math.min(ROWS, first + INSERT_CHUNK) - 1;
        // 90% token.issued, the rest denials and admin actions; 10,000 clients in 100 organizations.
        await bulk.query(
          `insert into audit_events (id, at, type, actor, client_id, organization_id, ip, request_id, details)
           select gen_random_uuid(), $1::timestamptz + (i * $2::float8) * interval '1 millisecond',
             case when i % 10 = 0 then 'token.denied' when i % 997 = 0 then 'client.updated' else 'token.issued' end,
             'tgc_bench' || (i % ${CLIENTS}), 'tgc_bench' || (i % ${CLIENTS}), 'org_bench' || (i % 100),
             '10.' || (i % 250) || '.0.1', null,
             case when i % 10 = 0 then '{"reason":"invalid_secret","error":"invalid_client"}'::jsonb
                  else '{"scope":"read","expires_in":86400}'::jsonb end
           from generate_series($3::bigint, $4::bigint) as i`,
          [oldest.toISOString(), spacingMs, first, last],
        );
      }
      await bulk.query('analyze audit_events');
    });
    await bulk.end();
    const lines = [
      `audit volume: ${ROWS.toLocaleString('en')} events over ${DAYS} days, written in bulk in ${(writing / 1000).toFixed(0)} s`,
    ];

    const token = await adminToken(server.url);
    const get = async (query: string, accept = 'application/json') => {
      const response = await fetch(`${server.url}/api/v1/audit-events?${query}`, {
        headers: { authorization: `Bearer ${token}`, accept },
      });
      if (response.status !== 200) throw new Error(`${query}: ${response.status} ${await response.text()}`);
      const text = await response.text();
      if (accept === 'application/json') return (JSON.parse(text) as { items: unknown[] }).items.length;
      return text.split('\n').filter(Boolean).length;
    };
    const hour = new Date(now.getTime() - 3 * DAY_MS);
    const range = `since=${hour.toISOString()}&until=${new Date(hour.getTime() + 3_600_000).toISOString()}`;
    const day = `since=${new Date(now.getTime() - 2 * DAY_MS).toISOString()}&until=${new Date(now.getTime() - DAY_MS).toISOString()}`;
    const queries: [string, string, string][] = [
      ['newest page', 'limit=100', 'application/json'],
      ['type=token.denied', 'type=token.denied&limit=100', 'application/json'],
      ['client_id', 'client_id=tgc_bench42&limit=100', 'application/json'],
      ['one hour, 3 days back', `${range}&limit=100`, 'application/json'],
      ['client_id + one hour', `client_id=tgc_bench42&${range}&limit=100`, 'application/json'],
      ['NDJSON client_id + one day', `client_id=tgc_bench42&${day}`, 'application/x-ndjson'],
      ['NDJSON org + one hour', `organization_id=org_bench7&${range}`, 'application/x-ndjson'],
    ];
    lines.push(`  ${'query'.padEnd(30)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'rows'.padStart(7)}`);
    for (const [name, query, accept] of queries) {
      let rows = 0;
      const durations: number[] = [];
      for (let repeat = 0; repeat < QUERY_REPEATS; repeat++)
        durations.push(await timed(async () => (rows = await get(query, accept))));
      lines.push(
        `  ${name.padEnd(30)} ${percentile(durations, 50).toFixed(1).padStart(8)} ${percentile(durations, 99).toFixed(1).padStart(8)} ${String(rows).padStart(7)}`,
      );
    }

    const size = async () => {
      const { rows } = (await db.raw(
        "select sum(pg_total_relation_size(relid))::bigint as bytes from pg_partition_tree('audit_events')",
      )) as { rows: { bytes: string }[] };
      return Number(rows[0]!.bytes);
    };
    const before = await size();
    const retention = new AuditRetention(store, DAYS - 1, createLogger('silent'));
    let removed = 0;
    const pruning = await timed(async () => (removed = await retention.prune(now)));
    const after = await size();
    lines.push(
      `  retention of the oldest day: ${pruning.toFixed(0)} ms for about ${removed.toLocaleString('en')} events (one partition drop); table ${megabytes(before)} -> ${megabytes(after)}`,
    );
    return lines;
  } finally {
    await server.stop();
  }
}

// `node dist/bench/audit-volume.js` runs this part alone.
if (process.argv[1]?.endsWith('audit-volume.js')) for (const line of await runAuditVolume()) console.log(line);
