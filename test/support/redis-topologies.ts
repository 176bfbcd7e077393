import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import type { Environment } from '../../src/config/config.js';
import { waitFor } from './poll.js';
import { temporaryDirectory } from './server.js';

const run = promisify(execFile);

/**
 * Real Redis Cluster and Sentinel groups on local ports, started by the test (or the failover bench) and
 * removed by `stop()`. Every data node requires an ACL user and password, so credentials are exercised
 * in each mode; the sentinels have a password of their own.
 */
const REDIS_USER = 'tollgate';
const REDIS_PASSWORD = 'redis-test-password-0123456789';
const SENTINEL_PASSWORD = 'sentinel-test-password-0123456789';
const SENTINEL_MASTER_NAME = 'tollgate-master';

/** How quickly failures are noticed: short, so tests and the failover bench see failovers in seconds. */
const NODE_TIMEOUT_MS = 1_000;

interface RedisProcess {
  readonly port: number;
  readonly args: readonly string[];
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive free ports whose cluster-bus ports (+10000) are free too, between 20000 and 45000
 * (ephemeral ports start at 32768 on Linux, so collisions are unlikely but checked).
 */
async function freePorts(count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 25_000);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    const free = await Promise.all(ports.flatMap((port) => [portFree(port), portFree(port + 10_000)]));
    if (free.every(Boolean)) return ports;
  }
  throw new Error('no free port range for a Redis group');
}

/** `username` '' authenticates with the password alone (sentinels). */
function authed(port: number, password = REDIS_PASSWORD, username = REDIS_USER): Redis {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    ...(username ? { username } : {}),
    password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  return redis;
}

/** Sends one command to one node, or null when it does not answer. */
export async function ask(
  port: number,
  args: string[],
  password = REDIS_PASSWORD,
  username = REDIS_USER,
): Promise<unknown> {
  const redis = authed(port, password, username);
  try {
    await redis.connect();
    return await redis.call(args[0]!, ...args.slice(1));
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

/** redis-server takes the words of one option as separate arguments. */
const ACL_ARGS = [
  '--user',
  'default',
  'off',
  '--user',
  REDIS_USER,
  'on',
  `>${REDIS_PASSWORD}`,
  '~*',
  '&*',
  '+@all',
  '--masteruser',
  REDIS_USER,
  '--masterauth',
  REDIS_PASSWORD,
];

function startProcess(port: number, args: string[]): RedisProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { port, args, child, exited };
}

/**
 * Starts the killed node `port` again, as an orchestrator would replace it, and resolves once it serves
 * as a replica of the new master (the cluster or the sentinels demote it), in sync.
 */
async function rejoin(nodes: RedisProcess[], port: number): Promise<void> {
  const index = nodes.findIndex((node) => node.port === port);
  nodes[index] = startProcess(port, [...nodes[index]!.args]);
  await waitFor(`redis on ${port} to rejoin as a replica`, 60_000, async () => {
    const info = await ask(port, ['INFO', 'replication']);
    return infoField(info, 'role') === 'slave' && infoField(info, 'master_link_status') === 'up';
  });
}

function dataNode(port: number, dir: string, extra: string[]): RedisProcess {
  return startProcess(port, [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    ...ACL_ARGS,
    ...extra,
  ]);
}

async function answering(port: number, password?: string, username?: string): Promise<void> {
  await waitFor(
    `redis on ${port} to answer`,
    10_000,
    async () => (await ask(port, ['PING'], password, username)) === 'PONG',
  );
}

async function kill(node: RedisProcess): Promise<void> {
  if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGKILL');
  await node.exited;
}

function infoField(info: unknown, field: string): string | undefined {
  return typeof info === 'string' ? new RegExp(`^${field}:(.*)\r?$`, 'm').exec(info)?.[1]?.trim() : undefined;
}

export interface RedisGroup {
  /** The variables that point Tollgate at this group (REDIS_URL cleared). */
  readonly env: Environment;
  /** Kills (SIGKILL, like a crash) the master serving `key`'s slot, or the Sentinel master; returns its port. */
  killMasterOf(key: string): Promise<number>;
  /** Resolves once a replica has taken over the killed master's place and the group serves every key again. */
  promoted(killedPort: number, timeoutMs?: number): Promise<void>;
  /** Starts a killed node again; resolves once it is an in-sync replica of the master that replaced it. */
  rejoin(port: number): Promise<void>;
  /** The ports of the masters now, for the figures (MEMORY USAGE, INFO). */
  masters(): Promise<number[]>;
  stop(): Promise<void>;
}

/** A 3-master, 3-replica Redis Cluster (`redis-cli --cluster create … --cluster-replicas 1`). */
export async function startRedisCluster(): Promise<RedisGroup> {
  const ports = await freePorts(6);
  const dir = temporaryDirectory('redis-cluster');
  const nodes = ports.map((port) =>
    dataNode(port, dir, [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--cluster-node-timeout',
      String(NODE_TIMEOUT_MS),
      // A replica takes over however long it was cut off: the killed master never returns in these runs.
      '--cluster-replica-validity-factor',
      '0',
    ]),
  );
  const stop = async () => {
    await Promise.all(nodes.map(kill));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(ports.map((port) => answering(port)));
    await run('redis-cli', [
      '--user',
      REDIS_USER,
      '--pass',
      REDIS_PASSWORD,
      '--no-auth-warning',
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    await clusterServes(ports, 20_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const alive = () => nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
  return {
    env: {
      REDIS_URL: '',
      REDIS_CLUSTER_NODES: ports
        .slice(0, 3)
        .map((port) => `127.0.0.1:${port}`)
        .join(','),
      REDIS_USERNAME: REDIS_USER,
      REDIS_PASSWORD,
    },
    async killMasterOf(key) {
      const slot = Number(await ask(ports[0]!, ['CLUSTER', 'KEYSLOT', key]));
      const owner = await slotOwner(alive(), slot);
      await kill(nodes.find((node) => node.port === owner)!);
      return owner;
    },
    async promoted(killedPort, timeoutMs = 30_000) {
      await clusterServes(
        alive().map((node) => node.port),
        timeoutMs,
        killedPort,
      );
    },
    rejoin: (port) => rejoin(nodes, port),
    async masters() {
      const roles = await Promise.all(alive().map(async (node) => ({ node, role: await ask(node.port, ['ROLE']) })));
      return roles.filter(({ role }) => Array.isArray(role) && role[0] === 'master').map(({ node }) => node.port);
    },
    stop,
  };
}

async function slotOwner(nodes: readonly RedisProcess[], slot: number): Promise<number> {
  const slots = (await ask(nodes[0]!.port, ['CLUSTER', 'SLOTS'])) as [number, number, [string, number]][];
  const range = slots.find(([from, to]) => from <= slot && slot <= to);
  if (!range) throw new Error(`no master serves slot ${slot}`);
  return range[2][1];
}

/**
 * Every live node reports the cluster ok, 3 masters own all slots (none of them `gone`), and each has a
 * connected replica unless one was killed (its promoted replica then has none).
 */
async function clusterServes(ports: readonly number[], timeoutMs: number, gone?: number): Promise<void> {
  await waitFor('the cluster to serve every slot', timeoutMs, async () => {
    const infos = await Promise.all(ports.map((port) => ask(port, ['CLUSTER', 'INFO'])));
    if (!infos.every((info) => infoField(info, 'cluster_state') === 'ok')) return false;
    const slots = (await ask(ports[0]!, ['CLUSTER', 'SLOTS'])) as [number, number, [string, number]][] | null;
    if (!slots) return false;
    const covered = slots.reduce((sum, [from, to]) => sum + to - from + 1, 0);
    if (covered !== 16_384 || slots.some((range) => range[2][1] === gone)) return false;
    if (gone !== undefined) return true;
    return slots.every((range) => range.length >= 4);
  });
}

/** One master, one replica and three sentinels (quorum 2) watching it as `tollgate-master`. */
export async function startSentinelGroup(): Promise<RedisGroup> {
  const ports = await freePorts(5);
  const [masterPort, replicaPort, ...sentinelPorts] = ports as [number, number, number, number, number];
  const dir = temporaryDirectory('redis-sentinel');
  const master = dataNode(masterPort, dir, []);
  const replica = dataNode(replicaPort, dir, ['--replicaof', '127.0.0.1', String(masterPort)]);
  const sentinels = sentinelPorts.map((port) => {
    const file = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `requirepass ${SENTINEL_PASSWORD}`,
        `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${NODE_TIMEOUT_MS}`,
        `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
        `sentinel auth-user ${SENTINEL_MASTER_NAME} ${REDIS_USER}`,
        `sentinel auth-pass ${SENTINEL_MASTER_NAME} ${REDIS_PASSWORD}`,
        `sentinel sentinel-pass ${SENTINEL_PASSWORD}`,
        '',
      ].join('\n'),
    );
    return startProcess(port, [file, '--sentinel']);
  });
  const dataNodes = [master, replica];
  const stop = async () => {
    await Promise.all([...dataNodes, ...sentinels].map(kill));
    rmSync(dir, { recursive: true, force: true });
  };
  const askSentinel = (port: number, args: string[]) => ask(port, args, SENTINEL_PASSWORD, '');
  const currentMaster = async () => {
    const reply = (await askSentinel(sentinelPorts[0]!, [
      'SENTINEL',
      'GET-MASTER-ADDR-BY-NAME',
      SENTINEL_MASTER_NAME,
    ])) as [string, string] | null;
    return reply ? Number(reply[1]) : null;
  };
  try {
    await Promise.all([masterPort, replicaPort].map((port) => answering(port)));
    await Promise.all(sentinelPorts.map((port) => answering(port, SENTINEL_PASSWORD, '')));
    // Each sentinel knows the replica and the two other sentinels: a failover can be agreed on.
    await waitFor('the sentinels to know each other and the replica', 30_000, async () => {
      const views = await Promise.all(
        sentinelPorts.map(async (port) => {
          const master = (await askSentinel(port, ['SENTINEL', 'MASTER', SENTINEL_MASTER_NAME])) as string[] | null;
          if (!master) return false;
          const field = (name: string) => master[master.indexOf(name) + 1];
          return field('num-slaves') === '1' && field('num-other-sentinels') === '2';
        }),
      );
      return views.every(Boolean);
    });
    await waitFor('the replica to be in sync', 10_000, async () => {
      return infoField(await ask(replicaPort, ['INFO', 'replication']), 'master_link_status') === 'up';
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    env: {
      REDIS_URL: '',
      REDIS_SENTINELS: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
      REDIS_SENTINEL_NAME: SENTINEL_MASTER_NAME,
      REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD,
      REDIS_USERNAME: REDIS_USER,
      REDIS_PASSWORD,
    },
    async killMasterOf() {
      const port = await currentMaster();
      const node = dataNodes.find((candidate) => candidate.port === port);
      if (!node) throw new Error('the sentinels name no master');
      await kill(node);
      return node.port;
    },
    async promoted(killedPort, timeoutMs = 30_000) {
      await waitFor('a sentinel failover', timeoutMs, async () => {
        const port = await currentMaster();
        if (port === null || port === killedPort) return false;
        const role = (await ask(port, ['ROLE'])) as unknown[] | null;
        return role?.[0] === 'master';
      });
    },
    rejoin: (port) => rejoin(dataNodes, port),
    async masters() {
      const port = await currentMaster();
      return port === null ? [] : [port];
    },
    stop,
  };
}
