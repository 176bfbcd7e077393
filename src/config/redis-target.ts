import { ConfigError } from './errors.js';
import { type ParsedVariables, VARIABLES } from './variables.js';

interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Credentials and TLS for the cluster nodes or the Sentinel master (with REDIS_URL the URL carries them). */
export interface RedisAccess {
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tls: boolean;
}

/** Where the shared state lives: one Redis, a Redis Cluster, or the master a Sentinel group names. */
export type RedisTarget = (
  | { readonly kind: 'standalone'; readonly url: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly HostPort[]; readonly access: RedisAccess }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: readonly HostPort[];
      readonly name: string;
      readonly sentinelPassword: string | undefined;
      readonly access: RedisAccess;
    }
) & {
  /** Replicas that must hold a new session before its token is returned; 0 = do not wait. */
  readonly minReplicasAck: number;
};

/** The variable an operator looks at when this target does not answer. */
export function redisVariable(target: RedisTarget | undefined): string {
  if (target?.kind === 'cluster') return VARIABLES.redisClusterNodes.name;
  if (target?.kind === 'sentinel') return VARIABLES.redisSentinels.name;
  return VARIABLES.redisUrl.name;
}

/** Reads the Redis variables: at most one way to reach Redis, and nothing set that this way ignores. */
export function redisTargetOf(vars: ParsedVariables): RedisTarget | undefined {
  const given = [
    vars.redisUrl && VARIABLES.redisUrl.name,
    vars.redisClusterNodes && VARIABLES.redisClusterNodes.name,
    vars.redisSentinels && VARIABLES.redisSentinels.name,
  ].filter((name): name is string => Boolean(name));
  if (given.length > 1) throw new ConfigError(given[1]!, `set only one of ${given.join(' and ')}`);
  if (vars.redisSentinelName && !vars.redisSentinels) {
    throw new ConfigError(VARIABLES.redisSentinelName.name, `only applies with ${VARIABLES.redisSentinels.name}`);
  }
  const access: RedisAccess = { username: vars.redisUsername, password: vars.redisPassword, tls: vars.redisTls };
  if (!vars.redisClusterNodes && !vars.redisSentinels) {
    const unused = [
      access.username && VARIABLES.redisUsername.name,
      access.password && VARIABLES.redisPassword.name,
      access.tls && VARIABLES.redisTls.name,
      vars.redisSentinelPassword && VARIABLES.redisSentinelPassword.name,
    ].find(Boolean);
    if (unused) {
      throw new ConfigError(
        unused,
        `only applies with ${VARIABLES.redisClusterNodes.name} or ${VARIABLES.redisSentinels.name} (put credentials and rediss:// in ${VARIABLES.redisUrl.name})`,
      );
    }
  }
  const minReplicasAck = vars.redisMinReplicasAck;
  if (vars.redisUrl) return { kind: 'standalone', url: vars.redisUrl, minReplicasAck };
  if (vars.redisClusterNodes) {
    if (vars.redisSentinelPassword) {
      throw new ConfigError(VARIABLES.redisSentinelPassword.name, `only applies with ${VARIABLES.redisSentinels.name}`);
    }
    return { kind: 'cluster', nodes: vars.redisClusterNodes, access, minReplicasAck };
  }
  if (vars.redisSentinels) {
    if (!vars.redisSentinelName) {
      throw new ConfigError(VARIABLES.redisSentinelName.name, `required with ${VARIABLES.redisSentinels.name}`);
    }
    return {
      kind: 'sentinel',
      sentinels: vars.redisSentinels,
      name: vars.redisSentinelName,
      sentinelPassword: vars.redisSentinelPassword,
      access,
      minReplicasAck,
    };
  }
  return undefined;
}
