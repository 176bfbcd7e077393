import { ADMIN_ROLE, ADMINISTRATIVE_ROLES, ORG_ADMIN_ROLE } from '../roles/built-in.js';
import { type Actor, isOrganizationScoped } from '../x/actor.js';
import { ForbiddenError, ValidationError } from '../x/errors.js';

export interface Placement {
  readonly role: string;
  readonly organizationId: string | null;
}

/**
 * Where a client may sit, and who may put it there. Platform admins belong to no organization and
 * org-admins to exactly one, so a token's `org_id` always tells which kind of administrator holds it.
 * An org-admin keeps its clients in its own organization and cannot mint administrators.
 */
export function assertPlacementAllowed(actor: Actor, target: Placement, current: Placement | null): void {
  if (isOrganizationScoped(actor)) {
    if (target.organizationId !== actor.organizationId) {
      throw new ForbiddenError(
        "an org-admin manages its own organization's clients only; it cannot place or move clients elsewhere",
      );
    }
    if (ADMINISTRATIVE_ROLES.has(target.role) && target.role !== current?.role) {
      throw new ForbiddenError('an org-admin cannot create admin or org-admin clients');
    }
  }
  if (target.role === ADMIN_ROLE && target.organizationId !== null) {
    throw ValidationError.field(
      'organization_id',
      'admin clients are platform administrators and cannot belong to an organization',
    );
  }
  if (target.role === ORG_ADMIN_ROLE && target.organizationId === null) {
    throw ValidationError.field('organization_id', 'an org-admin client must belong to an organization');
  }
}
