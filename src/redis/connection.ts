import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { REDIS_COMMAND_TIMEOUT_MS, REDIS_CONNECT_TIMEOUT_MS } from '../config/constants.js';
import type { RedisAccess, RedisTarget } from '../config/redis-target.js';

/** One Redis, the master a Sentinel group names (both `Redis`), or a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

const reconnectDelay = (attempt: number) => Math.min(attempt * 100, 1_000);

/** What every connection to a Redis node uses, whichever way it was found. */
const NODE_OPTIONS = {
  // Fail at once while disconnected rather than queue: callers turn that into a prompt 503.
  maxRetriesPerRequest: 1,
  commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
  connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
} satisfies RedisOptions;

function accessOptions(access: RedisAccess): RedisOptions {
  return {
    ...(access.username ? { username: access.username } : {}),
    ...(access.password ? { password: access.password } : {}),
    ...(access.tls ? { tls: {} } : {}),
  };
}

/**
 * The one place Tollgate connects to Redis: sessions, limits, the change feed, readiness and the CLI all
 * use the connection made here (the change feed adds its subscriber with `subscriberOf`).
 */
export function connectRedis(target: RedisTarget): RedisConnection {
  if (target.kind === 'cluster') {
    return new Cluster(
      target.nodes.map(({ host, port }) => ({ host, port })),
      {
        // Requests from many concurrent token calls go out in one write per master: the hot path's pipelining.
        enableAutoPipelining: true,
        enableOfflineQueue: false,
        clusterRetryStrategy: reconnectDelay,
        // A command to a master that just died is retried on the slot's new owner, a bounded number of times.
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 200,
        maxRedirections: 6,
        slotsRefreshTimeout: REDIS_CONNECT_TIMEOUT_MS,
        // Also re-read the slot map periodically: a pipeline (REDIS_MIN_REPLICAS_ACK's script + WAIT)
        // does not follow a MOVED by itself when WAIT fails on the node it reached.
        slotsRefreshInterval: 2_000,
        redisOptions: { ...NODE_OPTIONS, ...accessOptions(target.access) },
      },
    );
  }
  const common: RedisOptions = {
    ...NODE_OPTIONS,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    // A master demoted under us (a failover while connected) answers READONLY: reconnect, through the
    // sentinels to the new master, and send the command again.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  };
  if (target.kind === 'sentinel') {
    return new Redis({
      ...common,
      ...accessOptions(target.access),
      sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
      name: target.name,
      ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
      ...(target.access.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      // Not ioredis' failoverDetector: a +switch-master arriving while it reconnects ends the connection
      // for good (measured with npm run failover); reconnecting through the sentinels follows a failover.
      sentinelRetryStrategy: reconnectDelay,
      retryStrategy: reconnectDelay,
    });
  }
  return new Redis(target.url, { ...common, retryStrategy: reconnectDelay });
}

/**
 * Another connection to the same Redis (or cluster) for commands that block their connection (WAIT).
 * It queues commands while it connects, so the first requests after startup do not fail; callers bound
 * every call in time (REDIS_CALL_LIMIT_MS).
 */
export function duplicateConnection(redis: RedisConnection): RedisConnection {
  if (redis instanceof Cluster) return redis.duplicate(undefined, { enableOfflineQueue: true });
  return redis.duplicate({ enableOfflineQueue: true });
}

/** After a redirection a pipeline could not follow: re-read the cluster's slot map now. */
export function refreshTopology(redis: RedisConnection): void {
  if (redis instanceof Cluster) redis.refreshSlotsCache();
}

/**
 * The longest a hot-path Redis call (create, get, the limit checks) may take, whatever the client does
 * during a failover (retries, redirections, slot refreshes): past it the request answers 503.
 */
export const REDIS_CALL_LIMIT_MS = 2_500;

/** Where the connection goes, for log lines and startup errors: no credentials. */
export function describeTarget(target: RedisTarget): string {
  if (target.kind === 'cluster') return `cluster ${target.nodes.map(({ host, port }) => `${host}:${port}`).join(',')}`;
  if (target.kind === 'sentinel') return `sentinel master "${target.name}"`;
  return new URL(target.url).host;
}

/**
 * Every master answers: on a cluster, each master is asked (one down means some clients' slots are
 * not served); otherwise the one server.
 */
export async function pingEveryMaster(redis: RedisConnection): Promise<void> {
  if (!(redis instanceof Cluster)) {
    await redis.ping();
    return;
  }
  if (redis.status !== 'ready') throw new Error(`the cluster connection is ${redis.status}`);
  const masters = redis.nodes('master');
  if (masters.length === 0) throw new Error('no cluster master is known');
  await Promise.all(masters.map((node) => node.ping()));
}

/**
 * A channel every instance hears: on a cluster sharded pub/sub (SPUBLISH/SSUBSCRIBE), so a notice
 * travels within the shard that owns the channel instead of across the whole cluster bus; elsewhere
 * plain PUBLISH/SUBSCRIBE. The subscriber is a connection of its own, resubscribed after a failover.
 */
export interface RedisChannel {
  publish(message: string): Promise<unknown>;
  close(): void;
}

export function openChannel(
  redis: RedisConnection,
  channel: string,
  onMessage: (message: string) => void,
  onSubscribeError: (error: unknown) => void,
): RedisChannel {
  if (redis instanceof Cluster) {
    const subscriber = redis.duplicate(undefined, { shardedSubscribers: true, enableOfflineQueue: true });
    subscriber.on('error', () => undefined);
    subscriber.on('smessage', (_channel: string, message: string) => onMessage(message));
    subscriber.ssubscribe(channel).catch(onSubscribeError);
    return { publish: (message) => redis.spublish(channel, message), close: () => subscriber.disconnect() };
  }
  const subscriber = redis.duplicate({ enableOfflineQueue: true });
  subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, message: string) => onMessage(message));
  subscriber.subscribe(channel).catch(onSubscribeError);
  return { publish: (message) => redis.publish(channel, message), close: () => subscriber.disconnect() };
}
