import type { Actor } from '../actor.js';
import type { AuditTrail } from '../audit/types.js';
import { isUniqueViolation } from '../db/errors.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { RoleCatalog } from '../roles/catalog.js';
import type { SessionStore } from '../sessions/types.js';
import type { ChangeFeed } from '../sync/change-feed.js';
import { parseInput } from '../validation.js';
import { clientIdSchema, createClientSchema, rotateSecretSchema, updateClientSchema } from './schemas.js';
import { digestSecret, generateClientId, generateClientSecret } from './secret.js';
import type { ClientStore } from './store.js';
import { toClientResource, type ClientRecord, type ClientResource } from './types.js';

export interface CreatedClient extends ClientResource {
  client_secret: string;
}

export interface RotatedSecret {
  client_id: string;
  client_secret: string;
  /** When the previous secret stops working; null when it stopped at once. */
  previous_secret_expires_at: string | null;
}

export interface ClientPage {
  items: ClientResource[];
  next_cursor: string | null;
}

/** The rules for API clients; the admin API and the CLI both go through here. */
export class ClientService {
  constructor(
    private readonly store: ClientStore,
    private readonly roles: RoleCatalog,
    private readonly sessions: SessionStore,
    private readonly changes: ChangeFeed,
    private readonly audit: AuditTrail,
    private readonly logger: Logger,
  ) {}

  async create(input: unknown, actor: Actor, credentials?: { clientId: string; clientSecret: string }): Promise<CreatedClient> {
    const fields = parseInput(createClientSchema, input);
    await this.assertRoleExists(fields.role);
    const clientId = credentials?.clientId ?? generateClientId();
    const clientSecret = credentials?.clientSecret ?? generateClientSecret();
    const record = await this.store
      .insert({
        ...fields,
        client_id: clientId,
        secret_digest: digestSecret(clientSecret).toString('hex'),
        previous_secret_digest: null,
        previous_secret_expires_at: null,
        created_by: actor.clientId,
      })
      .catch((error: unknown) => {
        throw isUniqueViolation(error) ? new ConflictError(`client ${clientId} already exists`) : error;
      });
    this.record('client.created', actor, clientId, { name: record.name, role: record.role, status: record.status });
    return { ...toClientResource(record), client_secret: clientSecret };
  }

  async list(limit: number, cursor: string | null): Promise<ClientPage> {
    const { records, nextSeq } = await this.store.page({ limit, afterSeq: decodeCursor(cursor) });
    return { items: records.map(toClientResource), next_cursor: nextSeq && encodeCursor(nextSeq) };
  }

  async get(clientId: string): Promise<ClientResource> {
    return toClientResource(await this.require(clientId));
  }

  async update(clientId: string, input: unknown, actor: Actor): Promise<ClientResource> {
    const patch = parseInput(updateClientSchema, input);
    const current = await this.require(clientId);
    if (patch.role !== undefined) await this.assertRoleExists(patch.role);
    const updated = await this.store.update(clientId, patch);
    if (!updated) throw new NotFoundError(`client ${clientId} does not exist`);
    await this.changes.publish({ type: 'client', clientId });
    this.record('client.updated', actor, clientId, { changed: Object.keys(patch), ...patch });
    if (current.status === 'active' && updated.status === 'inactive') await this.revokeSessions(clientId);
    return toClientResource(updated);
  }

  async delete(clientId: string, actor: Actor): Promise<void> {
    parseInput(clientIdSchema, clientId);
    if (!(await this.store.delete(clientId))) throw new NotFoundError(`client ${clientId} does not exist`);
    await this.changes.publish({ type: 'client', clientId });
    this.record('client.deleted', actor, clientId);
    await this.revokeSessions(clientId);
  }

  /**
   * Issues a new secret. The previous one keeps working for `grace_period_seconds` (default 0: it stops
   * at once); a secret still in an earlier grace period stops now, so at most two ever work. Every
   * instance drops its cached copy at once. Tokens already issued stay valid: revoke them separately.
   */
  async rotateSecret(clientId: string, input: unknown, actor: Actor): Promise<RotatedSecret> {
    const { grace_period_seconds: grace } = parseInput(rotateSecretSchema, input);
    await this.require(clientId);
    const clientSecret = generateClientSecret();
    const previousExpiresAt = grace > 0 ? new Date(Date.now() + grace * 1000) : null;
    const updated = await this.store.replaceSecret(clientId, digestSecret(clientSecret).toString('hex'), previousExpiresAt);
    if (!updated) throw new NotFoundError(`client ${clientId} does not exist`);
    await this.changes.publish({ type: 'client', clientId });
    const expiresAt = previousExpiresAt?.toISOString() ?? null;
    this.record('client.secret_rotated', actor, clientId, { grace_period_seconds: grace, previous_secret_expires_at: expiresAt });
    return { client_id: clientId, client_secret: clientSecret, previous_secret_expires_at: expiresAt };
  }

  /** Whether a client with this role exists; used to bootstrap the first admin. */
  async anyWithRole(role: string): Promise<boolean> {
    return this.store.existsWithRole(role);
  }

  private record(type: string, actor: Actor, clientId: string, details: Record<string, unknown> = {}): void {
    this.audit.record({ type, actor: actor.clientId, client_id: clientId, ip: actor.ip, request_id: actor.requestId, details });
  }

  private async require(clientId: string): Promise<ClientRecord> {
    const record = clientIdSchema.safeParse(clientId).success ? await this.store.find(clientId) : undefined;
    if (!record) throw new NotFoundError(`client ${clientId} does not exist`);
    return record;
  }

  private async assertRoleExists(role: string): Promise<void> {
    if (!(await this.roles.find(role))) throw ValidationError.field('role', `unknown role "${role}"`);
  }

  /**
   * The client's tokens already fail validation because it is gone or inactive; removing the sessions
   * also empties its session list. Should Redis be down, that cleanup waits for the tokens to expire.
   */
  private async revokeSessions(clientId: string): Promise<void> {
    try {
      const revoked = await this.sessions.revokeAll(clientId);
      this.logger.info({ client_id: clientId, revoked }, 'revoked client sessions');
    } catch (error) {
      this.logger.warn({ err: error, client_id: clientId }, 'could not remove client sessions; its tokens are refused anyway');
    }
  }
}

function encodeCursor(seq: string): string {
  return Buffer.from(seq).toString('base64url');
}

function decodeCursor(cursor: string | null): string | null {
  if (cursor === null) return null;
  const seq = Buffer.from(cursor, 'base64url').toString();
  if (!/^\d{1,18}$/.test(seq)) throw ValidationError.field('cursor', 'not a cursor returned by this API');
  return seq;
}
