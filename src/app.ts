import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { API_PREFIX, buildAdminApp } from './admin/app.js';
import { LogAuditTrail } from './audit/log-trail.js';
import { ensureInitialAdmin } from './clients/initial-admin.js';
import { LastUsedRecorder } from './clients/last-used.js';
import { ClientLookup } from './clients/lookup.js';
import { ClientService } from './clients/service.js';
import { ClientStore } from './clients/store.js';
import type { Config } from './config/config.js';
import { openDatabase, type Database } from './db/database.js';
import { LOCKS, withStartupLock } from './db/locks.js';
import { migrateToLatest } from './db/migrate.js';
import { SECURITY_HEADERS } from './http/security-headers.js';
import { openKeyManager } from './keys/open.js';
import { KeyScheduler } from './keys/scheduler.js';
import type { KeyManager } from './keys/service.js';
import { rotationTiming } from './keys/timing.js';
import { OAUTH_PATHS } from './oauth/paths.js';
import type { OAuthEndpoint } from './oauth/endpoint.js';
import { createIntrospectionEndpoint } from './oauth/introspection-endpoint.js';
import { buildProvider, ProviderSwitch } from './oauth/provider.js';
import { createRevocationEndpoint } from './oauth/revocation-endpoint.js';
import { createTokenEndpoint } from './oauth/token-endpoint.js';
import type { Logger } from './observability/logger.js';
import { RoleCatalog } from './roles/catalog.js';
import { MemorySessionStore } from './sessions/memory-store.js';
import { connectRedis, RedisSessionStore } from './sessions/redis-store.js';
import { SessionService } from './sessions/service.js';
import type { SessionStore } from './sessions/types.js';
import { LocalChangeFeed, RedisChangeFeed, type ChangeFeed } from './sync/change-feed.js';
import { TokenIssuer } from './tokens/issuer.js';
import { AccessTokenValidator } from './tokens/validator.js';

/** How long a cached client keeps serving past its TTL while Postgres does not answer. */
const CLIENT_STALE_IF_ERROR_MS = 60_000;

export interface Application {
  readonly handler: RequestListener;
  readonly db: Database;
  readonly keys: KeyManager;
  readonly sessions: SessionStore;
  readonly clients: ClientService;
  /** Writes what is batched in memory (last_used_at, audit events) now instead of at the next interval. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Startup work that must happen once per deployment before any instance serves: migrations, the first
 * signing keys, the first admin client. Each step is safe when several instances run it at once.
 */
export async function prepareDeployment(db: Database, config: Config, logger: Logger, print: (text: string) => void): Promise<void> {
  const applied = await migrateToLatest(db, config.databaseUrl);
  if (applied.length) logger.info({ migrations: applied }, 'applied database migrations');
  await withStartupLock(db, config.databaseUrl, LOCKS.bootstrap, async () => {
    const changes = new LocalChangeFeed();
    const audit = new LogAuditTrail(logger);
    await openKeyManager(db, config, { changes, audit, logger }, true);
    const sessions = new MemorySessionStore();
    const service = new ClientService(new ClientStore(db), new RoleCatalog(), sessions, changes, audit, logger);
    await ensureInitialAdmin(service, config, logger, print);
    await sessions.close();
  });
}

async function connectSessionStore(config: Config): Promise<{ sessions: SessionStore; changes: (logger: Logger) => ChangeFeed; redis?: Redis }> {
  if (!config.redisUrl) return { sessions: new MemorySessionStore(), changes: () => new LocalChangeFeed() };
  const redis = connectRedis(config.redisUrl);
  redis.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', resolve);
    redis.once('end', () => reject(new Error(`REDIS_URL: cannot connect to ${new URL(config.redisUrl!).host}`)));
    setTimeout(() => reject(new Error(`REDIS_URL: no answer from ${new URL(config.redisUrl!).host} within 10 s`)), 10_000).unref();
  });
  return { sessions: new RedisSessionStore(redis), changes: (logger) => new RedisChangeFeed(redis, logger), redis };
}

function pathOf(url: string | undefined): string {
  const end = url?.indexOf('?') ?? -1;
  return end === -1 ? url ?? '/' : url!.slice(0, end);
}

/** Builds one serving instance on an already prepared deployment. */
export async function createApplication(config: Config, logger: Logger, db: Database = openDatabase(config)): Promise<Application> {
  const { sessions, changes: changeFeed } = await connectSessionStore(config);
  const changes = changeFeed(logger);
  const audit = new LogAuditTrail(logger);
  const keys = await openKeyManager(db, config, { changes, audit, logger }, false);
  const timing = rotationTiming(config.keyRotationIntervalMs);
  const roles = new RoleCatalog();
  const clientStore = new ClientStore(db);
  const clientLookup = new ClientLookup(clientStore, { ttlMs: config.clientCacheTtlMs, staleIfErrorMs: CLIENT_STALE_IF_ERROR_MS }, changes);
  const clients = new ClientService(clientStore, roles, sessions, changes, audit, logger);
  const lastUsed = new LastUsedRecorder(clientStore, logger);
  const tokenOptions = { issuer: config.issuer, audience: config.tokenAudience };
  const issuer = new TokenIssuer(keys, sessions, { ...tokenOptions, maxSessionsPerClient: config.maxSessionsPerClient });
  const validator = new AccessTokenValidator(keys, sessions, clientLookup, tokenOptions);

  const sessionService = new SessionService(sessions, clients, audit);

  const endpointContext = { audit, trustedProxyHops: config.trustedProxyHops, logger };
  const oauthEndpoints = new Map<string, OAuthEndpoint>([
    [OAUTH_PATHS.token, createTokenEndpoint({ ...endpointContext, clients: clientLookup, roles, issuer, lastUsed })],
    [OAUTH_PATHS.introspection, createIntrospectionEndpoint({ ...endpointContext, clients: clientLookup, roles, validator })],
    [OAUTH_PATHS.revocation, createRevocationEndpoint({ ...endpointContext, clients: clientLookup, validator, sessions: sessionService })],
  ]);
  const admin = buildAdminApp({ validator, clients, sessions: sessionService, keys, logger, trustedProxyHops: config.trustedProxyHops, issuer: config.issuer }).callback();
  const providers = new ProviderSwitch(
    (ring) =>
      buildProvider(ring, {
        issuer: config.issuer,
        trustedProxyHops: config.trustedProxyHops,
        jwksMaxAgeSeconds: timing.jwksMaxAgeSeconds,
        scopesSupported: async () => [...new Set((await roles.list()).flatMap((role) => role.scopes))],
      }),
    keys.current(),
  );
  keys.onChange((ring) => providers.replace(ring));
  const keyScheduler = new KeyScheduler(keys, changes, timing, logger);
  keyScheduler.start();

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = pathOf(req.url);
    const oauthEndpoint = req.method === 'POST' ? oauthEndpoints.get(path) : undefined;
    if (oauthEndpoint) {
      void oauthEndpoint(req, res);
      return;
    }
    if (path.startsWith(`${API_PREFIX}/`) || path === API_PREFIX) {
      void admin(req, res);
      return;
    }
    if (path === OAUTH_PATHS.authorizationServerMetadata) req.url = OAUTH_PATHS.openidConfiguration;
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    providers.handle(req, res);
  };

  return {
    handler,
    db,
    keys,
    sessions,
    clients,
    async flush() {
      await lastUsed.flush();
      await audit.flush();
    },
    async close() {
      await keyScheduler.close();
      await lastUsed.close();
      await audit.flush();
      await changes.close();
      await sessions.close();
      await db.destroy();
    },
  };
}
