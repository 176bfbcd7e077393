import { z } from 'zod';
import { adminEvent } from '../audit/admin-event.js';
import type { AuditTrail } from '../audit/event.js';
import type { ClientService } from '../clients/service.js';
import type { ClientRecord } from '../clients/types.js';
import { CursorCodec } from '../db/paging.js';
import type { PageQuery } from '../http/api/pagination.js';
import type { Actor } from '../x/actor.js';
import { NotFoundError } from '../x/errors.js';
import type { SessionResource, SessionResourcePage } from './schemas.js';
import type { Session, SessionStore } from './types.js';

/** Session positions on the wire: a store order key, "<exp, 12 digits>:<jti>". */
const SESSION_CURSOR = new CursorCodec(z.string().regex(/^\d{12}:[A-Za-z0-9_-]{1,64}$/));

function toSessionResource(session: Session): SessionResource {
  return {
    jti: session.jti,
    issued_at: new Date(Math.floor(session.issued_at_ms / 1000) * 1000).toISOString(),
    expires_at: new Date(session.exp * 1000).toISOString(),
    scope: session.scope,
    ip: session.ip,
    ...(session.cnf ? { cnf: session.cnf } : {}),
  };
}

type TokenOwner = Pick<ClientRecord, 'clientId' | 'organizationId'>;

/** The rules for a client's live tokens: listing and revoking them. */
export class SessionService {
  constructor(
    private readonly sessions: SessionStore,
    private readonly clients: ClientService,
    private readonly audit: AuditTrail,
  ) {}

  /** Newest first (to the second; tokens issued in the same second are ordered by jti). */
  async list(clientId: string, { limit, cursor }: PageQuery, actor: Actor): Promise<SessionResourcePage> {
    const after = SESSION_CURSOR.decode(cursor);
    await this.clients.requireVisible(clientId, actor);
    return SESSION_CURSOR.listPage(await this.sessions.list(clientId, { limit, after }), toSessionResource);
  }

  /** An unknown, expired or already revoked session is a 404, so a mistyped jti is not mistaken for success. */
  async revoke(clientId: string, jti: string, actor: Actor): Promise<void> {
    const client = await this.clients.requireVisible(clientId, actor);
    if (!(await this.revokeToken(client, jti, actor))) {
      throw new NotFoundError(`client ${clientId} has no live token with jti ${jti}`);
    }
  }

  async revokeAll(clientId: string, actor: Actor): Promise<void> {
    const record = await this.clients.requireVisible(clientId, actor);
    const revoked = await this.sessions.revokeAll(clientId);
    this.record(actor, record, { all: true, revoked });
  }

  /**
   * Revokes one token, for callers that already know its client exists (RFC 7009 revocation by the
   * token's own, authenticated client). Answers whether there was a live session to revoke.
   */
  async revokeToken(client: TokenOwner, jti: string, actor: Actor): Promise<boolean> {
    const revoked = await this.sessions.revoke(client.clientId, jti);
    if (revoked) this.record(actor, client, { jti });
    return revoked;
  }

  private record(actor: Actor, client: TokenOwner, details: Record<string, unknown>): void {
    this.audit.record(
      adminEvent(
        'sessions.revoked',
        actor,
        { clientId: client.clientId, organizationId: client.organizationId },
        details,
      ),
    );
  }
}
