import { loadConfig } from '../../src/config/config.js';
import { parseDuration } from '../../src/config/duration.js';
import { ConfigError } from '../../src/config/errors.js';

describe('loadConfig', () => {
  it('runs with no configuration at all: embedded, single node, documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      issuer: 'http://localhost:3000',
      tokenAudience: 'http://localhost:3000/api',
      dataDir: './data',
      signingAlg: 'RS256',
      proxyTrust: { kind: 'none' },
      workers: 1,
      singleNode: true,
      databaseUrl: undefined,
      redis: undefined,
    });
  });

  it('derives the issuer from PORT and the audience from ISSUER, and strips a trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).issuer).toBe('http://localhost:8080');
    const config = loadConfig({ ISSUER: 'https://auth.example.com/' });
    expect(config.issuer).toBe('https://auth.example.com');
    expect(config.tokenAudience).toBe('https://auth.example.com/api');
  });

  it('uses several workers only when both Postgres and Redis are shared', () => {
    const shared = loadConfig({ DATABASE_URL: 'postgres://db/tollgate', REDIS_URL: 'redis://cache:6379' });
    expect(shared.singleNode).toBe(false);
    expect(shared.workers).toBeGreaterThanOrEqual(1);
    expect(() => loadConfig({ WORKERS: '2' })).toThrow(/WORKERS/);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['ISSUER', 'ftp://example.com'],
    ['ISSUER', 'https://example.com/?x=1'],
    ['DATABASE_URL', 'mysql://db'],
    ['REDIS_URL', 'http://cache'],
    ['SIGNING_ALG', 'HS256'],
    ['TRUST_PROXY', 'yes'],
    ['CLIENT_CACHE_TTL', '5 minutes'],
    ['MAX_SESSIONS_PER_CLIENT', '-1'],
    ['LOG_LEVEL', 'loud'],
    ['INITIAL_ADMIN_CLIENT_SECRET', 'short'],
  ])('stops on a bad %s (%s) with an error naming the variable', (name, value) => {
    let caught: unknown;
    try {
      loadConfig({
        [name]: value,
        ...(name === 'INITIAL_ADMIN_CLIENT_SECRET' ? { INITIAL_ADMIN_CLIENT_ID: 'admin' } : {}),
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(name);
    expect((caught as Error).message.startsWith(`${name}:`)).toBe(true);
  });

  it('requires the initial admin id and secret together', () => {
    expect(() => loadConfig({ INITIAL_ADMIN_CLIENT_ID: 'admin' })).toThrow(/INITIAL_ADMIN_CLIENT_SECRET/);
    expect(() => loadConfig({ INITIAL_ADMIN_CLIENT_SECRET: 'x'.repeat(40) })).toThrow(/INITIAL_ADMIN_CLIENT_ID/);
  });

  it('reaches Redis one way: a URL, a cluster node list, or sentinels with a master name', () => {
    expect(loadConfig({ REDIS_URL: 'rediss://u:p@cache:6380/0' }).redis).toEqual({
      kind: 'standalone',
      url: 'rediss://u:p@cache:6380/0',
      minReplicasAck: 0,
    });
    const cluster = loadConfig({
      DATABASE_URL: 'postgres://db/tollgate',
      REDIS_CLUSTER_NODES: 'redis-1:6379, [::1]:7000',
      REDIS_USERNAME: 'tollgate',
      REDIS_PASSWORD: 'secret',
      REDIS_TLS: 'true',
      REDIS_MIN_REPLICAS_ACK: '1',
    });
    expect(cluster.singleNode).toBe(false);
    expect(cluster.redis).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'redis-1', port: 6379 },
        { host: '::1', port: 7000 },
      ],
      access: { username: 'tollgate', password: 'secret', tls: true },
      minReplicasAck: 1,
    });
    expect(
      loadConfig({ REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'main', REDIS_SENTINEL_PASSWORD: 'x' })
        .redis,
    ).toMatchObject({
      kind: 'sentinel',
      name: 'main',
      sentinelPassword: 'x',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
    });
  });

  it.each([
    [{ REDIS_URL: 'redis://a', REDIS_CLUSTER_NODES: 'b:1' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: 'b:1', REDIS_SENTINELS: 'c:1' }, 'REDIS_SENTINELS'],
    [{ REDIS_SENTINELS: 'c:1' }, 'REDIS_SENTINEL_NAME'],
    [{ REDIS_SENTINEL_NAME: 'main' }, 'REDIS_SENTINEL_NAME'],
    [{ REDIS_URL: 'redis://a', REDIS_PASSWORD: 'p' }, 'REDIS_PASSWORD'],
    [{ REDIS_CLUSTER_NODES: 'b:1', REDIS_SENTINEL_PASSWORD: 'p' }, 'REDIS_SENTINEL_PASSWORD'],
    [{ REDIS_CLUSTER_NODES: 'b' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: 'b:70000' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_MIN_REPLICAS_ACK: 'one' }, 'REDIS_MIN_REPLICAS_ACK'],
  ])('refuses an inconsistent Redis setting %p, naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${name}:`));
  });

  it('reads TRUST_PROXY as hops or as a list of proxy networks', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).proxyTrust).toEqual({ kind: 'hops', hops: 1 });
    expect(loadConfig({ TRUST_PROXY: 'false' }).proxyTrust).toEqual({ kind: 'none' });
    expect(loadConfig({ TRUST_PROXY: '2' }).proxyTrust).toEqual({ kind: 'hops', hops: 2 });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.1' }).proxyTrust).toMatchObject({
      kind: 'networks',
      networks: ['10.0.0.0/8', '192.0.2.1'],
    });
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/8,nope' })).toThrow(/TRUST_PROXY/);
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['12h', 43_200_000],
    ['30d', 2_592_000_000],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', '1w', '-5s', '0s', 'abc'])('refuses %p', (text) => expect(parseDuration(text)).toBeNull());
});
