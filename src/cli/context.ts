import { randomUUID } from 'node:crypto';
import { CLI_ACTOR, type Actor } from '../x/actor.js';
import { openAuditTrail } from '../audit/open.js';
import type { PostgresAuditTrail } from '../audit/postgres-trail.js';
import type { Config } from '../config/config.js';
import { openDatabase, type Database } from '../db/database.js';
import { buildDomainServices, type DomainServices } from '../domain-services.js';
import { openKeyManager } from '../keys/open.js';
import type { KeyManager } from '../keys/key-manager.js';
import type { Logger } from '../observability/logger.js';
import { MemorySessionStore } from '../sessions/memory-store.js';
import { connectRedis, RedisSessionStore } from '../sessions/redis-store.js';
import { RevokedKeySessionSweep } from '../sessions/revoked-key-sweep.js';
import type { SessionStore } from '../sessions/types.js';
import { LocalChangeFeed, RedisChangeFeed, type ChangeFeed } from '../sync/change-feed.js';

/** Break-glass commands must not hang on a Redis that is down; they go on without it. */
const REDIS_WAIT_MS = 3_000;

interface SessionServices {
  readonly sessions: SessionStore;
  readonly changes: ChangeFeed;
}

/**
 * What CLI commands use: the server's own services over a direct database connection, opened on first
 * use and closed once the command is done. Every change is audited with actor `cli`; the run's id is the
 * events' request_id, so one invocation's events can be told apart.
 */
export class CliContext {
  readonly actor: Actor = { ...CLI_ACTOR, requestId: `cli-${randomUUID()}` };
  private db: Database | undefined;
  private auditTrail: PostgresAuditTrail | undefined;
  private sessionServices: SessionServices | undefined;
  private domainServices: DomainServices | undefined;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
  ) {}

  database(): Database {
    this.db ??= openDatabase(this.config, this.logger);
    return this.db;
  }

  audit(): PostgresAuditTrail {
    this.auditTrail ??= openAuditTrail(this.database(), this.logger);
    return this.auditTrail;
  }

  /** The services with the rules (clients, organizations, roles, settings), as the admin API uses them. */
  async services(): Promise<DomainServices> {
    const { sessions, changes } = await this.sessionsAndChanges();
    this.domainServices ??= buildDomainServices(this.database(), sessions, changes, this.audit(), this.logger);
    return this.domainServices;
  }

  async clients(): Promise<DomainServices['clients']> {
    return (await this.services()).clients;
  }

  /** Opening it decrypts every stored key: a wrong key-encryption key fails here. */
  async keys(): Promise<KeyManager> {
    const { changes } = await this.sessionsAndChanges();
    return openKeyManager(this.database(), this.config, { changes, audit: this.audit(), logger: this.logger }, false);
  }

  /** Removes the sessions of a revoked key's tokens, in the session store the servers share. */
  async revokedKeySessions(): Promise<RevokedKeySessionSweep> {
    const [{ sessions }, { clientStore }] = await Promise.all([this.sessionsAndChanges(), this.services()]);
    return new RevokedKeySessionSweep(clientStore, sessions, this.audit(), this.logger);
  }

  /** Writes the audit events, then closes every connection this run opened. */
  async close(): Promise<void> {
    await this.auditTrail?.close();
    await this.sessionServices?.changes.close();
    await this.sessionServices?.sessions.close();
    await this.db?.destroy();
  }

  /**
   * In shared mode, Redis: so that a deactivated or deleted client loses its sessions, and every running
   * instance drops its cached copy of a changed client or switches to rotated keys at once. Without Redis the change still happens; instances notice
   * within CLIENT_CACHE_TTL and the client's tokens are refused anyway, which the service logs.
   */
  private async sessionsAndChanges(): Promise<SessionServices> {
    if (this.sessionServices) return this.sessionServices;
    if (!this.config.redisUrl) {
      this.sessionServices = { sessions: new MemorySessionStore(), changes: new LocalChangeFeed() };
      return this.sessionServices;
    }
    const redis = connectRedis(this.config.redisUrl);
    redis.on('error', () => undefined);
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), REDIS_WAIT_MS);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!ready) this.logger.warn({ redis: new URL(this.config.redisUrl).host }, 'Redis does not answer; going on without it (sessions cannot be revoked now)');
    this.sessionServices = { sessions: new RedisSessionStore(redis), changes: new RedisChangeFeed(redis, this.logger) };
    return this.sessionServices;
  }
}
