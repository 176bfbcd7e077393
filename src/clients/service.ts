import type { Knex } from 'knex';
import { adminEvent } from '../audit/admin-event.js';
import type { AuditTrail } from '../audit/event.js';
import { isForeignKeyViolation, isUniqueViolation } from '../db/errors.js';
import { SEQ_CURSOR } from '../db/paging.js';
import type { Transactional } from '../db/transaction.js';
import type { Logger } from '../observability/logger.js';
import type { RoleService } from '../roles/service.js';
import type { ChangeFeed } from '../sync/change-feed.js';
import type { Actor } from '../x/actor.js';
import { camelCase, camelCased } from '../x/case.js';
import { ConflictError, NotFoundError, ValidationError } from '../x/errors.js';
import { allowlistNarrows } from '../x/ip-ranges.js';
import { parseInput } from '../x/validation.js';
import { assertPlacementAllowed } from './placement.js';
import {
  type ClientListQuery,
  type ClientPage,
  type ClientResource,
  type CreatedClient,
  createClientSchema,
  type RotatedSecret,
  rotateSecretSchema,
  TLS_CLIENT_AUTH_FIELDS,
  updateClientSchema,
} from './schemas.js';
import { digestSecret, generateClientId, generateClientSecret } from './secret.js';
import type { ClientStore } from './store.js';
import { type ClientRecord, type TlsClientAuthProperty, toClientResource } from './types.js';
import { assertClientVisibleTo } from './visibility.js';

/** A client that is gone, with the organization it was in (for the audit trail). */
export interface DeletedClient {
  readonly clientId: string;
  readonly organizationId: string | null;
}

/** What the client rules need of the session store (sessions/): ending every token of a client. */
export interface ClientSessions {
  revokeAll(clientId: string): Promise<number>;
}

/** The rules for API clients; the admin API and the CLI both go through here. */
export class ClientService {
  constructor(
    private readonly store: ClientStore,
    private readonly roles: RoleService,
    private readonly inTransaction: Transactional,
    private readonly sessions: ClientSessions,
    private readonly changes: ChangeFeed,
    private readonly audit: AuditTrail,
    private readonly logger: Logger,
  ) {}

  /** Without `organization_id`, the client lands in the actor's organization (none for platform admins). */
  async create(
    input: unknown,
    actor: Actor,
    credentials?: { clientId: string; clientSecret: string },
  ): Promise<CreatedClient> {
    const { organizationId: requested, ...fields } = camelCased(parseInput(createClientSchema, input));
    assertCredentialRules(fields);
    const organizationId = requested === undefined ? actor.organizationId : requested;
    assertPlacementAllowed(actor, { role: fields.role, organizationId }, null);
    const clientId = credentials?.clientId ?? generateClientId();
    const clientSecret = holdsSecret(fields) ? (credentials?.clientSecret ?? generateClientSecret()) : undefined;
    const record = await this.inTransaction(async (trx) => {
      await this.roles.lockForAssignment(fields.role, trx);
      return this.store.insert(
        {
          ...fields,
          clientId,
          organizationId,
          secretDigest: clientSecret === undefined ? null : digestSecret(clientSecret),
          previousSecretDigest: null,
          previousSecretExpiresAt: null,
          createdBy: actor.clientId,
        },
        trx,
      );
    }).catch(explainWriteError(clientId, organizationId));
    this.audit.record(
      adminEvent(
        'client.created',
        actor,
        { clientId, organizationId },
        {
          name: record.name,
          role: record.role,
          status: record.status,
          ...authenticationSummary(record),
        },
      ),
    );
    const resource = toClientResource(record);
    return clientSecret === undefined ? resource : { ...resource, client_secret: clientSecret };
  }

  async list(query: ClientListQuery, actor: Actor): Promise<ClientPage> {
    const organizationId = actor.organizationId ?? query.organization_id;
    if (
      actor.organizationId !== null &&
      query.organization_id !== undefined &&
      query.organization_id !== actor.organizationId
    ) {
      return { items: [], next_cursor: null };
    }
    const page = await this.store.page({
      limit: query.limit,
      after: SEQ_CURSOR.decode(query.cursor),
      organizationId,
      role: query.role,
      status: query.status,
      search: query.q,
    });
    return SEQ_CURSOR.listPage(page, toClientResource);
  }

  async get(clientId: string, actor: Actor): Promise<ClientResource> {
    return toClientResource(await this.requireVisible(clientId, actor));
  }

  async update(clientId: string, input: unknown, actor: Actor): Promise<ClientResource> {
    const fields = parseInput(updateClientSchema, input);
    const patch = camelCased(fields);
    const current = await this.requireVisible(clientId, actor);
    const merged = { ...current, ...patch };
    // Moving to private_key_jwt gives up the secret (below); the way back would need a new secret.
    if (holdsSecret(merged) && !holdsSecret(current))
      throw ValidationError.field(
        'token_endpoint_auth_method',
        'a private_key_jwt client has no secret to fall back to: create a new client for a secret',
      );
    assertCredentialRules(merged);
    const secretDropped = holdsSecret(current) && !holdsSecret(merged);
    const organizationId = patch.organizationId === undefined ? current.organizationId : patch.organizationId;
    assertPlacementAllowed(
      actor,
      { role: patch.role ?? current.role, organizationId },
      { role: current.role, organizationId: current.organizationId },
    );
    // Outstanding tokens name the old status, role or organization, or may be in use from an address
    // the allowlist no longer admits (tokens are not bound to an address): they must die, now and after
    // any later reactivation, even if the session store misses the revocation below.
    const cutsTokens =
      (current.status === 'active' && patch.status === 'inactive') ||
      (patch.role !== undefined && patch.role !== current.role) ||
      organizationId !== current.organizationId ||
      (patch.ipAllowlist !== undefined && allowlistNarrows(current.ipAllowlist, patch.ipAllowlist)) ||
      (patch.dpopBoundAccessTokens === true && !current.dpopBoundAccessTokens) ||
      (patch.tlsClientCertificateBoundAccessTokens === true && !current.tlsClientCertificateBoundAccessTokens);
    const updated = await this.inTransaction(async (trx) => {
      if (patch.role !== undefined) await this.roles.lockForAssignment(patch.role, trx);
      return this.store.update(
        clientId,
        {
          ...patch,
          ...(secretDropped ? { secretDigest: null, previousSecretDigest: null, previousSecretExpiresAt: null } : {}),
          ...(cutsTokens ? { tokensValidAfter: new Date() } : {}),
        },
        trx,
      );
    }).catch(explainWriteError(clientId, organizationId));
    if (!updated) throw new NotFoundError(`client ${clientId} does not exist`);
    await this.changes.publish({ type: 'client', clientId });
    const moved = updated.organizationId !== current.organizationId;
    this.audit.record(
      adminEvent(
        'client.updated',
        actor,
        { clientId, organizationId: updated.organizationId },
        {
          changed: Object.keys(fields),
          ...fields,
          ...(fields.jwks ? { jwks: { kids: fields.jwks.keys.map((key) => key.kid ?? null) } } : {}),
          ...(moved ? { previous_organization_id: current.organizationId } : {}),
        },
      ),
    );
    if (cutsTokens) await this.revokeSessions(clientId);
    return toClientResource(updated);
  }

  async delete(clientId: string, actor: Actor): Promise<void> {
    const record = await this.requireVisible(clientId, actor);
    if (!(await this.store.delete(clientId))) throw new NotFoundError(`client ${clientId} does not exist`);
    await this.finishDeletion([{ clientId, organizationId: record.organizationId }], actor);
  }

  /**
   * The client as stored, if the actor may act on it; otherwise 404. Every route that names a client
   * (rotation, sessions, ...) starts here, so organization scoping is enforced in one place.
   */
  async requireVisible(clientId: string, actor: Actor): Promise<ClientRecord> {
    const record = await this.store.find(clientId);
    assertClientVisibleTo(actor, clientId, record);
    return record;
  }

  /** The database part of deleting an organization: its clients go in the caller's transaction. */
  async deleteAllOfOrganization(organizationId: string, trx: Knex.Transaction): Promise<DeletedClient[]> {
    const clientIds = await this.store.deleteByOrganization(organizationId, trx);
    return clientIds.map((clientId) => ({ clientId, organizationId }));
  }

  /** After clients are deleted and committed: caches forget them, the trail records them, their tokens go. */
  async finishDeletion(
    deleted: readonly DeletedClient[],
    actor: Actor,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    for (const { clientId, organizationId } of deleted) {
      await this.changes.publish({ type: 'client', clientId });
      this.audit.record(adminEvent('client.deleted', actor, { clientId, organizationId }, details));
      await this.revokeSessions(clientId);
    }
  }

  /**
   * Issues a new secret. The previous one keeps working for `grace_period_seconds` (default 0: it stops
   * at once); a secret still in an earlier grace period stops now, so at most two ever work. Every
   * instance drops its cached copy at once. Tokens already issued stay valid: revoke them separately.
   */
  async rotateSecret(clientId: string, input: unknown, actor: Actor): Promise<RotatedSecret> {
    const { grace_period_seconds: grace } = parseInput(rotateSecretSchema, input);
    const record = await this.requireVisible(clientId, actor);
    if (!holdsSecret(record))
      throw new ConflictError(
        `client ${clientId} authenticates with private_key_jwt and has no secret: register or rotate its keys instead`,
      );
    const clientSecret = generateClientSecret();
    const previousExpiresAt = grace > 0 ? new Date(Date.now() + grace * 1000) : null;
    const updated = await this.store.replaceSecret(clientId, digestSecret(clientSecret), previousExpiresAt);
    if (!updated) throw new NotFoundError(`client ${clientId} does not exist`);
    await this.changes.publish({ type: 'client', clientId });
    const expiresAt = previousExpiresAt?.toISOString() ?? null;
    this.audit.record(
      adminEvent(
        'client.secret_rotated',
        actor,
        { clientId, organizationId: record.organizationId },
        { grace_period_seconds: grace, previous_secret_expires_at: expiresAt },
      ),
    );
    return { client_id: clientId, client_secret: clientSecret, previous_secret_expires_at: expiresAt };
  }

  /** Whether a client with this role exists; used to bootstrap the first admin. */
  async anyWithRole(role: string): Promise<boolean> {
    return this.store.existsWithRole(role);
  }

  /**
   * The client's tokens already fail validation because it is gone, inactive or moved; removing the
   * sessions also empties its session list. Should Redis be down, that cleanup waits for the tokens to expire.
   */
  private async revokeSessions(clientId: string): Promise<void> {
    try {
      const revoked = await this.sessions.revokeAll(clientId);
      this.logger.info({ client_id: clientId, revoked }, 'revoked client sessions');
    } catch (error) {
      this.logger.warn(
        { err: error, client_id: clientId },
        'could not remove client sessions; its tokens are refused anyway',
      );
    }
  }
}

type AuthenticationFields = Pick<
  ClientRecord,
  'tokenEndpointAuthMethod' | 'jwks' | 'jwksUri' | 'federatedCredentials' | TlsClientAuthProperty
>;

function holdsSecret(client: Pick<ClientRecord, 'tokenEndpointAuthMethod'>): boolean {
  return (
    client.tokenEndpointAuthMethod === 'client_secret_basic' || client.tokenEndpointAuthMethod === 'client_secret_post'
  );
}

/**
 * RFC 8705 §2: a tls_client_auth client names its certificate with exactly one tls_client_auth_* field
 * and registers no keys; a self_signed_tls_client_auth client registers the certificate's public key
 * inline in `jwks`; every other client sets no tls_client_auth_* field. Answers whether the client is
 * an mTLS one (its rules are then complete).
 */
function assertMutualTlsRules(client: AuthenticationFields): boolean {
  const named = TLS_CLIENT_AUTH_FIELDS.filter((field) => client[camelCase(field)] !== null);
  const method = client.tokenEndpointAuthMethod;
  if (method !== 'tls_client_auth' && named.length > 0)
    throw ValidationError.field(named[0]!, 'only a tls_client_auth client names its certificate');
  if (method !== 'tls_client_auth' && method !== 'self_signed_tls_client_auth') return false;
  if (client.federatedCredentials.length > 0)
    throw ValidationError.field('federated_credentials', 'only a private_key_jwt client has federated credentials');
  if (client.jwksUri !== null)
    throw ValidationError.field('jwks_uri', 'an mTLS client registers its certificate key inline, in jwks');
  if (method === 'tls_client_auth') {
    if (named.length !== 1)
      throw ValidationError.field(
        'tls_client_auth_subject_dn',
        `a tls_client_auth client sets exactly one of ${TLS_CLIENT_AUTH_FIELDS.join(', ')}`,
      );
    if (client.jwks !== null) throw ValidationError.field('jwks', 'a tls_client_auth client registers no keys');
  } else if (client.jwks === null)
    throw ValidationError.field('jwks', "a self_signed_tls_client_auth client registers its certificate's public key");
  return true;
}

/**
 * A private_key_jwt client needs something to verify its assertions with (inline keys or a jwks_uri, not
 * both, and/or federated credentials); a secret client registers none of them.
 */
function assertCredentialRules(client: AuthenticationFields): void {
  if (assertMutualTlsRules(client)) return;
  if (holdsSecret(client)) {
    if (client.jwks !== null) throw ValidationError.field('jwks', 'only a private_key_jwt client registers keys');
    if (client.jwksUri !== null)
      throw ValidationError.field('jwks_uri', 'only a private_key_jwt client registers keys');
    if (client.federatedCredentials.length > 0)
      throw ValidationError.field('federated_credentials', 'only a private_key_jwt client has federated credentials');
    return;
  }
  if (client.jwks !== null && client.jwksUri !== null)
    throw ValidationError.field('jwks_uri', 'register keys either inline (jwks) or by jwks_uri, not both');
  if (client.jwks === null && client.jwksUri === null && client.federatedCredentials.length === 0)
    throw ValidationError.field(
      'jwks',
      'a private_key_jwt client needs jwks, jwks_uri or at least one federated credential',
    );
}

/** What the audit trail records of how a client authenticates: never a key's material, only its ids. */
function authenticationSummary(client: AuthenticationFields): Record<string, unknown> {
  return {
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    ...(client.jwks ? { jwks_kids: client.jwks.keys.map((key) => key.kid ?? null) } : {}),
    ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
    ...(client.federatedCredentials.length > 0
      ? {
          federated_credentials: client.federatedCredentials.map(({ issuer, subject }) => ({ issuer, subject })),
        }
      : {}),
  };
}

function explainWriteError(clientId: string, organizationId: string | null): (error: unknown) => never {
  return (error) => {
    if (isUniqueViolation(error)) throw new ConflictError(`client ${clientId} already exists`);
    if (isForeignKeyViolation(error))
      throw ValidationError.field('organization_id', `organization ${organizationId} does not exist`);
    throw error;
  };
}
