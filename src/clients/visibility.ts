import { type Actor, isOrganizationScoped } from '../x/actor.js';
import { NotFoundError } from '../x/errors.js';
import type { ClientRecord } from './types.js';

/**
 * The one rule for which clients an actor may see and act on: an org-admin only its own organization's,
 * everyone else all of them. A client outside the actor's reach answers 404 exactly like a missing one,
 * so org-admins cannot even learn which client ids exist elsewhere. Every route that takes a client id
 * goes through this (via ClientService.requireVisible).
 */
export function assertClientVisibleTo(
  actor: Actor,
  clientId: string,
  record: ClientRecord | undefined,
): asserts record is ClientRecord {
  if (!record || (isOrganizationScoped(actor) && record.organizationId !== actor.organizationId)) {
    throw new NotFoundError(`client ${clientId} does not exist`);
  }
}
