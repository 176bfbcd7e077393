import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { API_PREFIX, createAdminApi } from './admin/app.js';
import { createDocsHandler, DOCS_PATH } from './admin/swagger-ui.js';
import type { PostgresAuditTrail } from './audit/postgres-trail.js';
import { AuditRetention, RETENTION_TIMING } from './audit/retention.js';
import { auditRoutes } from './audit/routes.js';
import { AuditService } from './audit/service.js';
import { AuditStore } from './audit/store.js';
import { KeySource } from './client-auth/key-source.js';
import { ClientAuthMethods } from './client-auth/methods.js';
import { SafeFetcher } from './client-auth/safe-fetch.js';
import { LastUsedRecorder } from './clients/last-used.js';
import { ClientLookup } from './clients/lookup.js';
import { clientRoutes } from './clients/routes.js';
import type { Config } from './config/config.js';
import { CLIENT_STALE_IF_ERROR_MS, POLICY_SNAPSHOT_TTL_MS } from './config/constants.js';
import { CONSOLE_PATH, createConsoleHandler } from './console/serve.js';
import { type Database, pingDatabase } from './db/database.js';
import { PROBLEM_TYPES_PATH, sendProblem } from './http/api/problem.js';
import type { MountedRoute } from './http/api/route-spec.js';
import { type HttpRoute, pathOf, routeTable } from './http/route-table.js';
import { SECURITY_HEADERS } from './http/security-headers.js';
import { loadTlsMaterial, type TlsMaterial } from './http/tls.js';
import type { KeyManager } from './keys/key-manager.js';
import { keyRoutes } from './keys/routes.js';
import { KeyScheduler } from './keys/scheduler.js';
import { rotationTiming } from './keys/timing.js';
import { AccessTokenValidator } from './oauth/access-token-validator.js';
import { AuthenticationFailures } from './oauth/authentication-failures.js';
import { DpopNonces } from './oauth/dpop-nonce.js';
import { DpopProofVerifier } from './oauth/dpop-proof.js';
import type { OAuthEndpoint } from './oauth/endpoint.js';
import { PostOnlyError } from './oauth/errors.js';
import { createIntrospectionEndpoint } from './oauth/introspection-endpoint.js';
import { createProvider, PROVIDER_PATHS, ProviderSwitch } from './oauth/provider.js';
import { sendOAuthError } from './oauth/respond.js';
import { createRevocationEndpoint } from './oauth/revocation-endpoint.js';
import { createTokenEndpoint } from './oauth/token-endpoint.js';
import { clusterAwareMetrics } from './observability/cluster-metrics.js';
import type { Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { ReadinessProbe } from './observability/readiness.js';
import { operationsHandlers } from './observability/routes.js';
import { organizationRoutes } from './organizations/routes.js';
import { Registry } from './registry.js';
import { RoleCatalog } from './roles/catalog.js';
import { roleRoutes } from './roles/routes.js';
import { ActiveSessionCensus } from './sessions/active-session-census.js';
import { sessionRoutes } from './sessions/routes.js';
import { SessionService } from './sessions/service.js';
import type { SessionStore } from './sessions/types.js';
import { ApiSwitch } from './settings/api-switch.js';
import { settingsRoutes } from './settings/routes.js';
import { TokenIssuer } from './tokens/issuer.js';
import { AccessTokenVerifier } from './tokens/verifier.js';
import { MethodNotAllowedError, NotFoundError } from './x/errors.js';
import { OAUTH_PATHS } from './x/oauth-paths.js';

/** Discovery and the JWKS are public documents: read (GET, HEAD) and preflighted from browsers (OPTIONS). */
const PROVIDER_METHODS = ['GET', 'HEAD', 'OPTIONS'];
const OPERATIONS_METHODS = ['GET', 'HEAD'];

export interface Application {
  readonly handler: RequestListener;
  /** HTTPS serving (TLS_CERT_FILE) and the client CAs, read at startup. */
  readonly tls: TlsMaterial;
  readonly db: Database;
  readonly keys: KeyManager;
  readonly sessions: SessionStore;
  /** Its `stats()` are the audit queue's depth and losses. */
  readonly audit: PostgresAuditTrail;
  /** Writes what is batched in memory (last_used_at, audit events) now instead of at the next interval. */
  flush(): Promise<void>;
  /** Every route the admin API serves, for checking that its OpenAPI document covers them. */
  readonly adminRoutes: readonly MountedRoute[];
  close(): Promise<void>;
}

/** What the server runs besides requests, stopped first on shutdown. */
interface BackgroundWork {
  close(): Promise<void> | void;
}

/**
 * Builds one serving instance on an already prepared deployment (see deployment/prepare.ts): its parts
 * from the registry, with Redis required in shared mode, then what only a server has: the caches, the
 * OAuth endpoints, the admin API, the background jobs, and one route table in front of them all.
 */
export async function openApplication(config: Config, logger: Logger, db?: Database): Promise<Application> {
  const registry = new Registry(config, logger, 'required', db);
  try {
    return await assemble(registry);
  } catch (error) {
    await registry.close();
    throw error;
  }
}

async function assemble(registry: Registry): Promise<Application> {
  const { config, logger } = registry;
  const { jobTimings } = config;
  const { sessions, failures, replays, changes } = await registry.shared();
  const services = await registry.services();
  const audit = registry.audit();
  const db = registry.database();
  const keys = await registry.keys();
  const timing = rotationTiming(config.keyRotationIntervalMs);

  const policyTtl = { ttlMs: jobTimings.policySnapshotTtlMs ?? POLICY_SNAPSHOT_TTL_MS };
  const roles = new RoleCatalog(services.roleStore, changes, logger, policyTtl);
  const apiSwitch = new ApiSwitch(services.settingsStore, services.organizationStore, changes, logger, policyTtl);
  await Promise.all([roles.initialize(), apiSwitch.initialize()]);
  const clientLookup = new ClientLookup(
    services.clientStore,
    { ttlMs: config.clientCacheTtlMs, staleIfErrorMs: CLIENT_STALE_IF_ERROR_MS },
    changes,
  );
  const tokenOptions = { issuer: config.issuer, audience: config.tokenAudience };
  const issuer = new TokenIssuer(keys, sessions, {
    ...tokenOptions,
    limits: {
      maxPerClient: config.maxSessionsPerClient,
      perWindow: config.rateLimits.tokensPerClient,
      windowMs: config.rateLimits.tokenWindowMs,
    },
  });
  const validator = new AccessTokenValidator(
    new AccessTokenVerifier(keys, tokenOptions),
    sessions,
    clientLookup,
    apiSwitch,
    roles,
  );
  const sessionService = new SessionService(sessions, services.clients, audit);

  // Background work, in the order it stops: nothing new is started (rotation, sweeps), then what is
  // batched in memory is written, before the registry closes the audit trail and the connections.
  const keyScheduler = new KeyScheduler(
    keys,
    changes,
    { ...timing, pollIntervalMs: Math.min(timing.pollIntervalMs, jobTimings.keyPollIntervalMs ?? Infinity) },
    logger,
  );
  const revokedKeySessions = await registry.revokedKeySessions();
  const retention = new AuditRetention(new AuditStore(db), config.auditRetentionDays, logger, {
    firstRunDelayMs: jobTimings.auditRetentionFirstRunMs ?? RETENTION_TIMING.firstRunDelayMs,
    intervalMs: jobTimings.auditRetentionIntervalMs ?? RETENTION_TIMING.intervalMs,
  });
  const lastUsed = new LastUsedRecorder(services.clientStore, logger, jobTimings.lastUsedFlushIntervalMs);
  const census = new ActiveSessionCensus(services.clientStore, sessions, logger, jobTimings.activeSessionsMaxAgeMs);
  const metrics = new Metrics({
    activeSessions: () => census.count(),
    audit: () => audit.stats(),
    activeKeyAgeSeconds: () => {
      const { activatedAt, createdAt } = keys.current().active;
      return (Date.now() - (activatedAt ?? createdAt).getTime()) / 1000;
    },
  });
  const authenticationFailures = new AuthenticationFailures(failures, audit, metrics);
  const background: BackgroundWork[] = [keyScheduler, revokedKeySessions, retention, lastUsed, authenticationFailures];

  const tls = loadTlsMaterial(config);
  const certificates = {
    clientCas: tls.clientCas,
    trustForwarded: config.mtls.trustForwardedCertificate,
    proxyTrust: config.proxyTrust,
  };
  const dpopNonces = config.dpop.nonceRequired ? new DpopNonces(keys.derivedSecret('dpop-nonce')) : null;
  const senderConstraints = {
    dpopNonces,
    dpop: new DpopProofVerifier({
      endpointUrls: [`${config.issuer}${OAUTH_PATHS.token}`],
      maxAgeSeconds: config.dpop.proofMaxAgeMs / 1000,
      nonces: dpopNonces,
      replays,
    }),
  };
  const methods = new ClientAuthMethods({
    keys: new KeySource(new SafeFetcher({ allowedHosts: config.clientAuthentication.allowedHosts })),
    replays,
    issuer: config.issuer,
    tokenEndpoint: `${config.issuer}${OAUTH_PATHS.token}`,
    limits: config.clientAuthentication,
  });
  const endpointContext = {
    certificates,
    audit,
    methods,
    failures: authenticationFailures,
    metrics,
    proxyTrust: config.proxyTrust,
    logger,
    clients: clientLookup,
    apiSwitch,
  };
  const oauthEndpoints: [string, OAuthEndpoint][] = [
    [OAUTH_PATHS.token, createTokenEndpoint({ ...endpointContext, ...senderConstraints, roles, issuer, lastUsed })],
    [OAUTH_PATHS.introspection, createIntrospectionEndpoint({ ...endpointContext, roles, validator })],
    [OAUTH_PATHS.revocation, createRevocationEndpoint({ ...endpointContext, validator, sessions: sessionService })],
  ];
  const adminApi = createAdminApi({
    validator,
    routes: [
      ...clientRoutes(services.clients, config.issuer),
      ...sessionRoutes(sessionService),
      ...organizationRoutes(services.organizations),
      ...roleRoutes(services.roles),
      ...settingsRoutes(services.settings),
      ...keyRoutes(keys, revokedKeySessions),
      ...auditRoutes(new AuditService(new AuditStore(db))),
    ],
    issuer: config.issuer,
    logger,
    proxyTrust: config.proxyTrust,
    corsOrigins: config.adminCorsOrigins,
  });
  const providers = new ProviderSwitch(
    (ring) =>
      createProvider(ring, {
        issuer: config.issuer,
        proxyTrust: config.proxyTrust,
        jwksMaxAgeSeconds: timing.jwksMaxAgeSeconds,
        mtls: tls.server !== undefined || config.mtls.trustForwardedCertificate,
        scopesSupported: async () => [...new Set(roles.list().flatMap((role) => role.scopes))],
      }),
    keys.current(),
  );
  keys.onChange((ring) => providers.replace(ring));
  const readiness = new ReadinessProbe({
    postgres: () => pingDatabase(db),
    ...(sessions.kind === 'redis' ? { redis: () => sessions.ping() } : {}),
  });
  const operations = operationsHandlers({
    readiness,
    metrics: metrics.registry,
    renderMetrics: clusterAwareMetrics(metrics.registry),
    logger,
  });

  const problemTypeBase = `${config.issuer}${API_PREFIX}${PROBLEM_TYPES_PATH}`;
  const refuseWithProblem = (req: IncomingMessage, res: ServerResponse, allowed: readonly string[]) =>
    sendProblem(
      res,
      new MethodNotAllowedError(`this resource accepts ${allowed.join(', ')} only`, allowed),
      pathOf(req.url),
      problemTypeBase,
    );
  const admin = adminApi.app.callback();
  const routes: HttpRoute[] = [
    // Confidential clients do not run in browsers: no CORS here, so a preflight is refused too.
    ...oauthEndpoints.map(
      ([path, endpoint]): HttpRoute => ({
        path,
        methods: ['POST'],
        handle: (req, res) => void endpoint(req, res),
        refuseMethod: (_req, res) => sendOAuthError(res, new PostOnlyError()),
      }),
    ),
    { path: API_PREFIX, prefix: true, handle: (req, res) => void admin(req, res) },
    {
      path: DOCS_PATH,
      prefix: true,
      handle: createDocsHandler({ openApiPath: `${API_PREFIX}/openapi.json`, issuer: config.issuer }),
    },
    { path: CONSOLE_PATH, prefix: true, handle: createConsoleHandler() },
    ...[...operations].map(
      ([path, operation]): HttpRoute => ({
        path,
        methods: OPERATIONS_METHODS,
        handle: (req, res) => void operation(req, res),
        refuseMethod: refuseWithProblem,
      }),
    ),
    // oidc-provider sees exactly these paths, without a query string: it serves nothing else.
    ...[...PROVIDER_PATHS].map(
      (path): HttpRoute => ({
        path,
        methods: PROVIDER_METHODS,
        headers: SECURITY_HEADERS,
        handle: (req, res) => {
          req.url = path;
          providers.handle(req, res);
        },
        refuseMethod: refuseWithProblem,
      }),
    ),
  ];
  const handler = routeTable(routes, (req, res) =>
    sendProblem(res, new NotFoundError('no such endpoint'), pathOf(req.url), problemTypeBase),
  );
  // The scheduled jobs start last, once every part they use is built.
  keyScheduler.start();
  retention.start();

  return {
    handler,
    tls,
    db,
    keys,
    sessions,
    audit,
    adminRoutes: adminApi.mountedRoutes,
    async flush() {
      await lastUsed.flush();
      await audit.flush();
    },
    async close() {
      for (const work of background) await work.close();
      await registry.close();
    },
  };
}
