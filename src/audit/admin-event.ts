import type { Actor } from '../x/actor.js';
import type { AuditEventInput } from './event.js';
import type { AuditEventType } from './event-types.js';

/** What an admin event is about: the client and/or organization it touched, for filtering. */
export interface AuditSubject {
  readonly clientId?: string | null;
  readonly organizationId?: string | null;
}

/** One admin action as an audit event, with the actor's identity and request. */
export function adminEvent(
  type: AuditEventType,
  actor: Actor,
  subject: AuditSubject,
  details: Record<string, unknown> = {},
): AuditEventInput {
  return {
    type,
    actor: actor.clientId,
    client_id: subject.clientId ?? null,
    organization_id: subject.organizationId ?? null,
    ip: actor.ip,
    request_id: actor.requestId,
    details,
  };
}
