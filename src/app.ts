import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { API_PREFIX, buildAdminApi } from './admin/app.js';
import { PROBLEM_TYPES_PATH, sendProblem } from './http/api/problem.js';
import { DependencyUnavailableError, MethodNotAllowedError, NotFoundError } from './x/errors.js';
import type { MountedRoute } from './http/api/route-spec.js';
import { openAuditTrail } from './audit/open.js';
import type { PostgresAuditTrail } from './audit/postgres-trail.js';
import { AuditRetention, RETENTION_TIMING } from './audit/retention.js';
import { auditRoutes } from './audit/routes.js';
import { AuditService } from './audit/service.js';
import { AuditStore } from './audit/store.js';
import { ensureInitialAdmin, type ShowOnTerminal } from './deployment/initial-admin.js';
import { LastUsedRecorder } from './clients/last-used.js';
import { ClientLookup } from './clients/lookup.js';
import type { ClientService } from './clients/service.js';
import { clientRoutes } from './clients/routes.js';
import type { Config } from './config/config.js';
import { CONSOLE_PATH, createConsoleHandler } from './console/serve.js';
import { openDatabase, pingDatabase, type Database } from './db/database.js';
import { LOCKS, withStartupLock } from './db/locks.js';
import { migrateToLatest } from './db/migrate.js';
import { createDocsHandler, DOCS_PATH } from './admin/swagger-ui.js';
import { buildDomainServices } from './domain-services.js';
import { SECURITY_HEADERS } from './http/security-headers.js';
import { openKeyManager } from './keys/open.js';
import { keyRoutes } from './keys/routes.js';
import { KeyScheduler } from './keys/scheduler.js';
import type { KeyManager } from './keys/key-manager.js';
import { rotationTiming } from './keys/timing.js';
import { MemoryFailureLimiter } from './limits/memory-failure-limiter.js';
import { RedisFailureLimiter } from './limits/redis-failure-limiter.js';
import type { FailureLimiter } from './limits/types.js';
import { OAUTH_PATHS } from './x/oauth-paths.js';
import type { OAuthEndpoint } from './oauth/endpoint.js';
import { AuthenticationFailures } from './oauth/authentication-failures.js';
import { PostOnlyError } from './oauth/errors.js';
import { AccessTokenValidator } from './oauth/access-token-validator.js';
import { createIntrospectionEndpoint } from './oauth/introspection-endpoint.js';
import { buildProvider, PROVIDER_PATHS, ProviderSwitch } from './oauth/provider.js';
import { sendOAuthError } from './oauth/respond.js';
import { createRevocationEndpoint } from './oauth/revocation-endpoint.js';
import { createTokenEndpoint } from './oauth/token-endpoint.js';
import { ActiveSessionCensus } from './sessions/active-session-census.js';
import { clusterAwareMetrics } from './observability/cluster-metrics.js';
import type { Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { ReadinessProbe } from './observability/readiness.js';
import { operationsHandlers } from './observability/routes.js';
import { organizationRoutes } from './organizations/routes.js';
import { RoleCatalog } from './roles/catalog.js';
import { roleRoutes } from './roles/routes.js';
import { MemorySessionStore } from './sessions/memory-store.js';
import { connectRedis, RedisSessionStore } from './sessions/redis-store.js';
import { RevokedKeySessionSweep } from './sessions/revoked-key-sweep.js';
import { sessionRoutes } from './sessions/routes.js';
import { SessionService } from './sessions/service.js';
import type { SessionStore } from './sessions/types.js';
import { ApiSwitch } from './settings/api-switch.js';
import { settingsRoutes } from './settings/routes.js';
import { LocalChangeFeed, RedisChangeFeed, type ChangeFeed } from './sync/change-feed.js';
import { SettingsStore } from './settings/store.js';
import { TokenIssuer } from './tokens/issuer.js';
import { AccessTokenVerifier } from './tokens/verifier.js';

/** How long a cached client keeps serving past its TTL while Postgres does not answer. */
const CLIENT_STALE_IF_ERROR_MS = 60_000;

/**
 * How old the in-memory roles and API switches may grow before a reload. Changes reach every instance
 * at once through the change feed; this only bounds staleness when a notice is lost.
 */
const POLICY_SNAPSHOT_TTL_MS = 5_000;

export interface Application {
  readonly handler: RequestListener;
  readonly db: Database;
  readonly keys: KeyManager;
  readonly sessions: SessionStore;
  readonly clients: ClientService;
  /** Its `stats()` are the audit queue's depth and losses. */
  readonly audit: PostgresAuditTrail;
  /** Writes what is batched in memory (last_used_at, audit events) now instead of at the next interval. */
  flush(): Promise<void>;
  /** Every route the admin API serves, for checking that its OpenAPI document covers them. */
  readonly adminRoutes: readonly MountedRoute[];
  close(): Promise<void>;
}

/**
 * Startup work that must happen once per deployment before any instance serves: migrations, the first
 * signing keys, the first admin client. Each step is safe when several instances run it at once.
 * `showOnTerminal` is given only when a person watches the terminal (see ensureInitialAdmin).
 */
export async function prepareDeployment(db: Database, config: Config, logger: Logger, showOnTerminal?: ShowOnTerminal): Promise<void> {
  const applied = await migrateToLatest(db, config.databaseUrl);
  if (applied.length) logger.info({ migrations: applied }, 'applied database migrations');
  await withStartupLock(db, config.databaseUrl, LOCKS.bootstrap, async () => {
    const changes = new LocalChangeFeed();
    const audit = openAuditTrail(db, logger);
    await openKeyManager(db, config, { changes, audit, logger }, true);
    const sessions = new MemorySessionStore();
    const { clients } = buildDomainServices(db, sessions, changes, audit, logger);
    await ensureInitialAdmin(clients, new SettingsStore(db), config, logger, showOnTerminal);
    await audit.close();
    await sessions.close();
  });
}

interface SharedState {
  readonly sessions: SessionStore;
  readonly failures: FailureLimiter;
  readonly changes: (logger: Logger) => ChangeFeed;
}

/** What instances share: Redis in shared mode, this process in single-node mode. */
async function connectSharedState(config: Config): Promise<SharedState> {
  const { failuresPerClientIp, failuresPerIp, failureWindowMs } = config.rateLimits;
  const failureLimits = { perClientIp: failuresPerClientIp, perIp: failuresPerIp, windowMs: failureWindowMs };
  if (!config.redisUrl) return { sessions: new MemorySessionStore(), failures: new MemoryFailureLimiter(failureLimits), changes: () => new LocalChangeFeed() };
  const redis = connectRedis(config.redisUrl);
  redis.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', resolve);
    const host = new URL(config.redisUrl!).host;
    redis.once('end', () => reject(new DependencyUnavailableError('redis', `cannot connect to ${host}`)));
    setTimeout(() => reject(new DependencyUnavailableError('redis', `no answer from ${host} within 10 s`)), 10_000).unref();
  });
  return { sessions: new RedisSessionStore(redis), failures: new RedisFailureLimiter(redis, failureLimits, config.issuer), changes: (logger) => new RedisChangeFeed(redis, logger) };
}

/** Discovery and the JWKS are public documents: read (GET, HEAD) and preflighted from browsers (OPTIONS). */
const PROVIDER_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The request target's path exactly as sent, without the query. Nothing is normalised or decoded: every
 * path is served under one spelling only, so `/token/`, `/TOKEN`, `//token`, `/token%2F` or an
 * absolute-form `http://host/token` is a 404, never a second way in that audit, limits or a proxy's
 * rules would have to know about.
 */
function pathOf(url: string | undefined): string {
  const end = url?.indexOf('?') ?? -1;
  return end === -1 ? url ?? '/' : url!.slice(0, end);
}

/** Builds one serving instance on an already prepared deployment. */
export async function createApplication(config: Config, logger: Logger, db: Database = openDatabase(config)): Promise<Application> {
  const { sessions, failures, changes: changeFeed } = await connectSharedState(config);
  const changes = changeFeed(logger);
  const audit = openAuditTrail(db, logger);
  const auditStore = new AuditStore(db);
  const { jobTimings } = config;
  const retention = new AuditRetention(auditStore, config.auditRetentionDays, logger, {
    firstRunDelayMs: jobTimings.auditRetentionFirstRunMs ?? RETENTION_TIMING.firstRunDelayMs,
    intervalMs: jobTimings.auditRetentionIntervalMs ?? RETENTION_TIMING.intervalMs,
  });
  const keys = await openKeyManager(db, config, { changes, audit, logger }, false);
  const timing = rotationTiming(config.keyRotationIntervalMs);
  const services = buildDomainServices(db, sessions, changes, audit, logger);
  const policyTtl = { ttlMs: jobTimings.policySnapshotTtlMs ?? POLICY_SNAPSHOT_TTL_MS };
  const roles = new RoleCatalog(services.roleStore, changes, logger, policyTtl);
  const apiSwitch = new ApiSwitch(services.settingsStore, services.organizationStore, changes, logger, policyTtl);
  await Promise.all([roles.initialize(), apiSwitch.initialize()]);
  const clientLookup = new ClientLookup(services.clientStore, { ttlMs: config.clientCacheTtlMs, staleIfErrorMs: CLIENT_STALE_IF_ERROR_MS }, changes);
  const lastUsed = new LastUsedRecorder(services.clientStore, logger, jobTimings.lastUsedFlushIntervalMs);
  const tokenOptions = { issuer: config.issuer, audience: config.tokenAudience };
  const issuer = new TokenIssuer(keys, sessions, {
    ...tokenOptions,
    limits: { maxPerClient: config.maxSessionsPerClient, perWindow: config.rateLimits.tokensPerClient, windowMs: config.rateLimits.tokenWindowMs },
  });
  const validator = new AccessTokenValidator(new AccessTokenVerifier(keys, tokenOptions), sessions, clientLookup, apiSwitch, roles);

  const sessionService = new SessionService(sessions, services.clients, audit);
  const revokedKeySessions = new RevokedKeySessionSweep(services.clientStore, sessions, audit, logger);

  const census = new ActiveSessionCensus(services.clientStore, sessions, logger, jobTimings.activeSessionsMaxAgeMs);
  const metrics = new Metrics({
    activeSessions: () => census.count(),
    audit: () => audit.stats(),
    activeKeyAgeSeconds: () => {
      const { activatedAt, createdAt } = keys.current().active;
      return (Date.now() - (activatedAt ?? createdAt).getTime()) / 1000;
    },
  });
  const readiness = new ReadinessProbe({ postgres: () => pingDatabase(db), ...(sessions.kind === 'redis' ? { redis: () => sessions.ping() } : {}) });
  const operations = operationsHandlers({ readiness, metrics: metrics.registry, renderMetrics: clusterAwareMetrics(metrics.registry), logger });

  const authenticationFailures = new AuthenticationFailures(failures, audit, metrics);
  const endpointContext = { audit, failures: authenticationFailures, metrics, proxyTrust: config.proxyTrust, logger };
  const oauthEndpoints = new Map<string, OAuthEndpoint>([
    [OAUTH_PATHS.token, createTokenEndpoint({ ...endpointContext, clients: clientLookup, roles, apiSwitch, issuer, lastUsed })],
    [OAUTH_PATHS.introspection, createIntrospectionEndpoint({ ...endpointContext, clients: clientLookup, apiSwitch, roles, validator })],
    [OAUTH_PATHS.revocation, createRevocationEndpoint({ ...endpointContext, clients: clientLookup, apiSwitch, validator, sessions: sessionService })],
  ]);
  const adminApi = buildAdminApi({
    validator,
    routes: [
      ...clientRoutes(services.clients, config.issuer),
      ...sessionRoutes(sessionService),
      ...organizationRoutes(services.organizations),
      ...roleRoutes(services.roles),
      ...settingsRoutes(services.settings),
      ...keyRoutes(keys, revokedKeySessions),
      ...auditRoutes(new AuditService(auditStore)),
    ],
    issuer: config.issuer,
    logger,
    proxyTrust: config.proxyTrust,
    corsOrigins: config.adminCorsOrigins,
  });
  const admin = adminApi.app.callback();
  const docs = createDocsHandler({ openApiPath: `${API_PREFIX}/openapi.json`, issuer: config.issuer });
  const consolePages = createConsoleHandler();
  const providers = new ProviderSwitch(
    (ring) =>
      buildProvider(ring, {
        issuer: config.issuer,
        proxyTrust: config.proxyTrust,
        jwksMaxAgeSeconds: timing.jwksMaxAgeSeconds,
        scopesSupported: async () => [...new Set(roles.list().flatMap((role) => role.scopes))],
      }),
    keys.current(),
  );
  keys.onChange((ring) => providers.replace(ring));
  const keyPollIntervalMs = Math.min(timing.pollIntervalMs, jobTimings.keyPollIntervalMs ?? Infinity);
  const keyScheduler = new KeyScheduler(keys, changes, { ...timing, pollIntervalMs: keyPollIntervalMs }, logger);
  keyScheduler.start();
  retention.start();

  const problemTypeBase = `${config.issuer}${API_PREFIX}${PROBLEM_TYPES_PATH}`;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = pathOf(req.url);
    const oauthEndpoint = oauthEndpoints.get(path);
    if (oauthEndpoint) {
      // Confidential clients do not run in browsers: no CORS here, so a preflight is refused too.
      if (req.method === 'POST') void oauthEndpoint(req, res);
      else sendOAuthError(res, new PostOnlyError());
      return;
    }
    if (path.startsWith(`${API_PREFIX}/`) || path === API_PREFIX) {
      void admin(req, res);
      return;
    }
    if (path === DOCS_PATH || path.startsWith(`${DOCS_PATH}/`)) {
      docs(req, res);
      return;
    }
    if (path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`)) {
      consolePages(req, res);
      return;
    }
    const operation = req.method === 'GET' || req.method === 'HEAD' ? operations.get(path) : undefined;
    if (operation) {
      void operation(req, res);
      return;
    }
    if (PROVIDER_PATHS.has(path)) {
      if (!PROVIDER_METHODS.has(req.method ?? '')) {
        sendProblem(res, new MethodNotAllowedError('this document accepts GET, HEAD and OPTIONS only', [...PROVIDER_METHODS]), path, problemTypeBase);
        return;
      }
      // oidc-provider sees exactly the allowlisted path: no query string, no other spelling.
      req.url = path;
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      providers.handle(req, res);
      return;
    }
    sendProblem(res, new NotFoundError('no such endpoint'), path, problemTypeBase);
  };

  return {
    handler,
    db,
    keys,
    sessions,
    clients: services.clients,
    audit,
    adminRoutes: adminApi.mountedRoutes,
    async flush() {
      await lastUsed.flush();
      await audit.flush();
    },
    async close() {
      await keyScheduler.close();
      await revokedKeySessions.close();
      await lastUsed.close();
      await retention.stop();
      authenticationFailures.close();
      await audit.close();
      await changes.close();
      await sessions.close();
      await db.destroy();
    },
  };
}
