import { openAuditTrail } from './audit/open.js';
import type { PostgresAuditTrail } from './audit/postgres-trail.js';
import { ClientService } from './clients/service.js';
import { ClientStore } from './clients/store.js';
import type { Config } from './config/config.js';
import { REDIS_BEST_EFFORT_WAIT_MS, REDIS_REQUIRED_WAIT_MS } from './config/constants.js';
import { type Database, openDatabase } from './db/database.js';
import { transactional } from './db/transaction.js';
import type { KeyManager } from './keys/key-manager.js';
import { openKeyManager } from './keys/open.js';
import { MemoryFailureLimiter } from './limits/memory-failure-limiter.js';
import { MemoryReplayCache } from './limits/memory-replay-cache.js';
import { RedisFailureLimiter } from './limits/redis-failure-limiter.js';
import { RedisReplayCache } from './limits/redis-replay-cache.js';
import type { ReplayCache } from './limits/replay-cache.js';
import type { FailureLimiter, FailureLimits } from './limits/types.js';
import type { Logger } from './observability/logger.js';
import { OrganizationService } from './organizations/service.js';
import { OrganizationStore } from './organizations/store.js';
import { connectRedis, describeTarget, type RedisConnection } from './redis/connection.js';
import { RoleService } from './roles/service.js';
import { RoleStore } from './roles/store.js';
import { MemorySessionStore } from './sessions/memory-store.js';
import { RedisSessionStore } from './sessions/redis-store.js';
import { RevokedKeySessionSweep } from './sessions/revoked-key-sweep.js';
import type { SessionStore } from './sessions/types.js';
import { SettingsService } from './settings/service.js';
import { SettingsStore } from './settings/store.js';
import { type ChangeFeed, LocalChangeFeed, RedisChangeFeed } from './sync/change-feed.js';
import { DependencyUnavailableError } from './x/errors.js';

/**
 * How a process treats Redis, the state instances share (sessions, failure counters, single-use ids, change notices):
 * - `required`: it must answer within REDIS_REQUIRED_WAIT_MS or the process does not start (the server:
 *   serving without the shared sessions would hand out tokens no other instance knows);
 * - `best-effort`: wait REDIS_BEST_EFFORT_WAIT_MS, then go on without it (the CLI: a break-glass command
 *   must not hang on a Redis that is down; its changes still happen, and instances notice them within
 *   CLIENT_CACHE_TTL);
 * - `local`: never connect; sessions and notices stay in this process (deployment preparation, which
 *   revokes nothing and has nobody to notify).
 * Without Redis (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS) every policy is `local`: single-node
 * mode keeps that state in the process.
 */
export type RedisPolicy = 'required' | 'best-effort' | 'local';

/** What the instances of a deployment share: Redis in shared mode, this process in single-node mode. */
export interface SharedState {
  readonly sessions: SessionStore;
  readonly failures: FailureLimiter;
  /** Single-use JWT ids (client assertions, federated tokens, DPoP proofs). */
  readonly replays: ReplayCache;
  readonly changes: ChangeFeed;
}

/** The stores and the services with the rules, as the admin API and the CLI use them. */
export interface DomainServices {
  readonly clientStore: ClientStore;
  readonly roleStore: RoleStore;
  readonly organizationStore: OrganizationStore;
  readonly settingsStore: SettingsStore;
  readonly clients: ClientService;
  readonly roles: RoleService;
  readonly organizations: OrganizationService;
  readonly settings: SettingsService;
}

function failureLimitsOf(config: Config): FailureLimits {
  const { failuresPerClientIp, failuresPerIp, failureWindowMs } = config.rateLimits;
  return { perClientIp: failuresPerClientIp, perIp: failuresPerIp, windowMs: failureWindowMs };
}

/** Resolves true once Redis is ready, false after `waitMs` or when it gives up connecting. */
function redisReady(redis: RedisConnection, waitMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), waitMs);
    timer.unref();
    const settle = (ready: boolean) => {
      clearTimeout(timer);
      resolve(ready);
    };
    redis.once('ready', () => settle(true));
    redis.once('end', () => settle(false));
  });
}

/**
 * The one place Tollgate's parts are built and wired: the server (app.ts), deployment preparation and
 * the CLI all take their database, audit trail, shared state, domain services and key manager from a
 * registry, each part built on first use and closed by `close()`. The Redis policy is the only thing that
 * differs between them.
 */
export class Registry {
  private db: Database | undefined;
  private auditTrail: PostgresAuditTrail | undefined;
  private sharedState: Promise<SharedState> | undefined;
  private domainServices: Promise<DomainServices> | undefined;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
    private readonly redisPolicy: RedisPolicy,
    /** An already opened database to use instead of opening one (the server's primary hands it over). */
    database?: Database,
  ) {
    this.db = database;
  }

  database(): Database {
    this.db ??= openDatabase(this.config, this.logger);
    return this.db;
  }

  /** Every event is one log line at once, and a row in audit_events shortly after. */
  audit(): PostgresAuditTrail {
    this.auditTrail ??= openAuditTrail(this.database(), this.logger, this.config.auditTokenEvents);
    return this.auditTrail;
  }

  shared(): Promise<SharedState> {
    this.sharedState ??= this.openShared();
    return this.sharedState;
  }

  services(): Promise<DomainServices> {
    this.domainServices ??= this.createServices();
    return this.domainServices;
  }

  /**
   * Decrypts every stored signing key: a wrong key-encryption key fails here, before anything serves.
   * With `initialize`, first creates the keys a new installation needs (deployment preparation).
   */
  async keys(initialize = false): Promise<KeyManager> {
    const { changes } = await this.shared();
    return openKeyManager(
      this.database(),
      this.config,
      { changes, audit: this.audit(), logger: this.logger },
      initialize,
    );
  }

  /** Removes the sessions of a revoked key's tokens, in the session store the instances share. */
  async revokedKeySessions(): Promise<RevokedKeySessionSweep> {
    const [{ sessions }, { clientStore }] = await Promise.all([this.shared(), this.services()]);
    return new RevokedKeySessionSweep(clientStore, sessions, this.audit(), this.logger);
  }

  /**
   * Writes the audit events still queued, then closes every connection this registry opened; with
   * `keepDatabase`, the database stays open for whoever handed it over.
   */
  async close(options: { keepDatabase?: boolean } = {}): Promise<void> {
    await this.auditTrail?.close();
    const shared = await this.sharedState?.catch(() => undefined);
    await shared?.changes.close();
    await shared?.replays.close();
    await shared?.sessions.close();
    if (!options.keepDatabase) await this.db?.destroy();
  }

  private async openShared(): Promise<SharedState> {
    const limits = failureLimitsOf(this.config);
    const target = this.config.redis;
    if (!target || this.redisPolicy === 'local') {
      return {
        sessions: new MemorySessionStore(),
        failures: new MemoryFailureLimiter(limits),
        replays: new MemoryReplayCache(),
        changes: new LocalChangeFeed(),
      };
    }
    const redis = connectRedis(target);
    redis.on('error', () => undefined);
    const host = describeTarget(target);
    const waitMs = this.redisPolicy === 'required' ? REDIS_REQUIRED_WAIT_MS : REDIS_BEST_EFFORT_WAIT_MS;
    if (!(await redisReady(redis, waitMs))) {
      if (this.redisPolicy === 'required') {
        redis.disconnect();
        throw new DependencyUnavailableError('redis', `cannot reach ${host} (waited up to ${waitMs / 1000} s)`);
      }
      this.logger.warn({ redis: host }, 'Redis does not answer; going on without it (sessions cannot be revoked now)');
    }
    return {
      sessions: new RedisSessionStore(redis, target.minReplicasAck),
      failures: new RedisFailureLimiter(redis, limits, this.config.issuer),
      replays: new RedisReplayCache(redis),
      changes: new RedisChangeFeed(redis, this.logger),
    };
  }

  private async createServices(): Promise<DomainServices> {
    const { sessions, changes } = await this.shared();
    const db = this.database();
    const audit = this.audit();
    const inTransaction = transactional(db);
    const clientStore = new ClientStore(db);
    const roleStore = new RoleStore(db);
    const organizationStore = new OrganizationStore(db);
    const settingsStore = new SettingsStore(db);
    const roles = new RoleService(roleStore, clientStore, inTransaction, changes, audit);
    const clients = new ClientService(clientStore, roles, inTransaction, sessions, changes, audit, this.logger);
    return {
      clientStore,
      roleStore,
      organizationStore,
      settingsStore,
      clients,
      roles,
      organizations: new OrganizationService(organizationStore, clients, inTransaction, changes, audit),
      settings: new SettingsService(settingsStore, changes, audit),
    };
  }
}
