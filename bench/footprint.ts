/**
 * The memory part of `npm run bench` (or alone: `node dist/bench/footprint.js`): FOOTPRINT_TOKENS live
 * tokens (default one million) issued across FOOTPRINT_CLIENTS clients (default 10,000) by one
 * shared-mode server (WORKERS=1) on a Redis of its own; prints Redis bytes per live session, the
 * server's resident memory as the tokens accumulate (it must stay flat once caches are full), and the
 * introspection rate with all those sessions live. FOOTPRINT_TOKENS=0 skips it.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { adminToken, basicAuth, createClient } from '../test/support/oauth.js';
import { spawnTollgate } from '../test/support/processes.js';
import { startPrivateRedis } from '../test/support/redis-server.js';
import { createTestDatabase } from '../test/support/services.js';

const TOKENS = Number(process.env.FOOTPRINT_TOKENS ?? 1_000_000);
const CLIENTS = Number(process.env.FOOTPRINT_CLIENTS ?? 10_000);
const IN_FLIGHT = 64;
const SAMPLES = 4;

/** Resident memory of a process and its children (the primary and its worker), in MB. */
function rssMegabytes(pids: readonly number[]): number {
  let kilobytes = 0;
  for (const pid of pids) {
    try {
      kilobytes += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kilobytes / 1024;
}

export async function runFootprint(): Promise<string[]> {
  if (TOKENS === 0) return [];
  const database = await createTestDatabase();
  const redis = await startPrivateRedis();
  // Its stdout (a log line per token with AUDIT_TOKEN_EVENTS=log) is discarded, not kept in this process.
  const devNull = openSync('/dev/null', 'w');
  const tollgate = await spawnTollgate(
    {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      WORKERS: '1',
      LOG_LEVEL: 'info',
      AUDIT_TOKEN_EVENTS: 'log',
      RATE_LIMIT_TOKENS_PER_CLIENT: '0',
    },
    devNull,
  );
  const probe = new Redis(redis.url);
  try {
    const pids = [tollgate.process.child.pid!];
    const admin = await adminToken(tollgate.url);
    const clients: string[] = [];
    for (let index = 0; index < CLIENTS; index++) {
      const client = await createClient(tollgate.url, admin, { name: `footprint-${index}`, role: 'read-only' });
      clients.push(basicAuth(client.client_id, client.client_secret));
    }
    const workers = readFileSync(`/proc/${pids[0]}/task/${pids[0]}/children`, 'utf8').trim().split(/\s+/).map(Number);
    pids.push(...workers.filter(Boolean));
    const memoryBefore = Number(/used_memory:(\d+)/.exec(await probe.info('memory'))?.[1]);
    const lines = [`footprint: ${TOKENS.toLocaleString('en')} tokens across ${CLIENTS.toLocaleString('en')} clients`];
    const rss: string[] = [`${rssMegabytes(pids).toFixed(0)} MB at 0`];
    const tokens: string[] = [];
    let next = 0;
    let failed = 0;
    for (let sample = 1; sample <= SAMPLES; sample++) {
      const target = Math.floor((TOKENS * sample) / SAMPLES);
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < target) {
            const authorization = clients[next++ % clients.length]!;
            const response = await fetch(`${tollgate.url}/token`, {
              method: 'POST',
              headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
              body: 'grant_type=client_credentials',
            });
            const body = (await response.json()) as { access_token?: string };
            if (body.access_token) {
              if (tokens.length < 100_000) tokens.push(body.access_token);
            } else failed += 1;
          }
        }),
      );
      rss.push(`${rssMegabytes(pids).toFixed(0)} MB at ${target.toLocaleString('en')}`);
    }
    const memoryAfter = Number(/used_memory:(\d+)/.exec(await probe.info('memory'))?.[1]);
    const live = TOKENS - failed;
    lines.push(
      `  Redis: ${((memoryAfter - memoryBefore) / live).toFixed(0)} bytes per live session (${((memoryAfter - memoryBefore) / 1024 / 1024).toFixed(0)} MB for ${live.toLocaleString('en')}; ${failed} refused)`,
      `  server RSS (primary + worker): ${rss.join(', ')}`,
    );
    let index = 0;
    const result = await autocannon({
      url: `${tollgate.url}/token/introspection`,
      connections: IN_FLIGHT,
      duration: 5,
      requests: [
        {
          method: 'POST',
          headers: { authorization: clients[0]!, 'content-type': 'application/x-www-form-urlencoded' },
          setupRequest: (request) => ({ ...request, body: `token=${tokens[index++ % tokens.length]}` }),
        },
      ],
    });
    lines.push(
      `  introspection with ${live.toLocaleString('en')} live sessions: ${(result['2xx'] / 5).toFixed(0)}/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${result.non2xx + result.errors} failed`,
    );
    return lines;
  } finally {
    probe.disconnect();
    await tollgate.process.stop();
    await redis.kill();
    await database.drop();
    closeSync(devNull);
  }
}

if (process.argv[1]?.endsWith('footprint.js')) for (const line of await runFootprint()) console.log(line);
