import { assertPlacementAllowed, type Placement } from '../../src/clients/placement.js';
import { assertClientVisibleTo } from '../../src/clients/visibility.js';
import type { Actor } from '../../src/x/actor.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../src/x/errors.js';
import { clientRecord } from '../support/client-records.js';

const PLATFORM_ADMIN: Actor = { clientId: 'tgc_platform', organizationId: null, ip: null, requestId: null };
const ORG_ADMIN: Actor = { clientId: 'tgc_orgadmin', organizationId: 'org-a', ip: null, requestId: null };

const at = (role: string, organizationId: string | null): Placement => ({ role, organizationId });

/** The field a ValidationError names, or the error's class for any other outcome. */
function outcome(run: () => void): string {
  try {
    run();
    return 'allowed';
  } catch (error) {
    if (error instanceof ValidationError) return `invalid ${error.issues.map((issue) => issue.field).join(',')}`;
    if (error instanceof ForbiddenError) return 'forbidden';
    throw error;
  }
}

describe('client placement: where a client may sit, and who may put it there', () => {
  it.each([
    ['an admin outside any organization', at('admin', null), 'allowed'],
    ['an admin inside an organization', at('admin', 'org-a'), 'invalid organization_id'],
    ['an org-admin inside an organization', at('org-admin', 'org-a'), 'allowed'],
    ['an org-admin outside any organization', at('org-admin', null), 'invalid organization_id'],
    ['an ordinary client anywhere', at('analyst', 'org-b'), 'allowed'],
    ['an ordinary client outside organizations', at('read-only', null), 'allowed'],
  ])('a platform admin may create %s: %s', (_what, target, expected) => {
    expect(outcome(() => assertPlacementAllowed(PLATFORM_ADMIN, target, null))).toBe(expected);
  });

  it.each([
    ['an ordinary client in its own organization', at('analyst', 'org-a'), 'allowed'],
    ['a client in another organization', at('analyst', 'org-b'), 'forbidden'],
    ['a client outside any organization', at('analyst', null), 'forbidden'],
    ['an org-admin client', at('org-admin', 'org-a'), 'forbidden'],
    ['an admin client', at('admin', 'org-a'), 'forbidden'],
  ])('an org-admin may create %s: %s', (_what, target, expected) => {
    expect(outcome(() => assertPlacementAllowed(ORG_ADMIN, target, null))).toBe(expected);
  });

  it('lets an org-admin update an org-admin client that keeps its role, but not promote a client to one', () => {
    expect(outcome(() => assertPlacementAllowed(ORG_ADMIN, at('org-admin', 'org-a'), at('org-admin', 'org-a')))).toBe(
      'allowed',
    );
    expect(outcome(() => assertPlacementAllowed(ORG_ADMIN, at('org-admin', 'org-a'), at('analyst', 'org-a')))).toBe(
      'forbidden',
    );
  });

  it('does not let an org-admin move its own client to another organization', () => {
    expect(outcome(() => assertPlacementAllowed(ORG_ADMIN, at('analyst', 'org-b'), at('analyst', 'org-a')))).toBe(
      'forbidden',
    );
  });

  it('lets a platform admin move a client between organizations, not an admin into one', () => {
    expect(outcome(() => assertPlacementAllowed(PLATFORM_ADMIN, at('analyst', 'org-b'), at('analyst', 'org-a')))).toBe(
      'allowed',
    );
    expect(outcome(() => assertPlacementAllowed(PLATFORM_ADMIN, at('admin', 'org-b'), at('admin', null)))).toBe(
      'invalid organization_id',
    );
  });
});

const record = (clientId: string, organizationId: string | null) =>
  clientRecord(clientId, { organizationId: organizationId });

describe('client visibility: one rule for every route that takes a client id', () => {
  it('shows a platform admin every client, in or out of organizations', () => {
    expect(() => assertClientVisibleTo(PLATFORM_ADMIN, 'tgc_a', record('tgc_a', 'org-a'))).not.toThrow();
    expect(() => assertClientVisibleTo(PLATFORM_ADMIN, 'tgc_b', record('tgc_b', null))).not.toThrow();
  });

  it("shows an org-admin its own organization's clients only", () => {
    expect(() => assertClientVisibleTo(ORG_ADMIN, 'tgc_a', record('tgc_a', 'org-a'))).not.toThrow();
  });

  it.each([
    ['in another organization', record('tgc_x', 'org-b')],
    ['outside any organization', record('tgc_x', null)],
    ['that does not exist', undefined],
  ])('answers an org-admin asking for a client %s exactly as for a missing one', (_what, found) => {
    const error = catchError(() => assertClientVisibleTo(ORG_ADMIN, 'tgc_x', found));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe('client tgc_x does not exist');
  });

  it('answers a platform admin asking for a missing client with not found', () => {
    expect(catchError(() => assertClientVisibleTo(PLATFORM_ADMIN, 'tgc_x', undefined))).toBeInstanceOf(NotFoundError);
  });
});

function catchError(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
