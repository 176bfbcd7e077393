import type { Middleware } from 'koa';
import { ForbiddenError } from '../../x/errors.js';
import { ADMIN_SCOPE, ORG_ADMIN_SCOPE } from '../../x/scopes.js';
import { principalOf } from './authenticate.js';
import type { Principal } from './principal.js';

/**
 * Who may call an admin route:
 * - `public`: anyone, no token (version, API description);
 * - `platform-admin`: a platform administrator, i.e. a token with the `admin` scope and no organization;
 * - `any-admin`: a platform administrator, or an org-admin (`org-admin` scope, bound to an organization)
 *   whom the service then confines to its own organization.
 */
export type Access = 'public' | 'platform-admin' | 'any-admin';

function isPlatformAdmin(principal: Principal): boolean {
  return principal.scopes.has(ADMIN_SCOPE) && principal.organizationId === null;
}

function isOrganizationAdmin(principal: Principal): boolean {
  return principal.scopes.has(ORG_ADMIN_SCOPE) && principal.organizationId !== null;
}

const ALLOWED: Record<Exclude<Access, 'public'>, { allows: (principal: Principal) => boolean; refusal: string }> = {
  'platform-admin': {
    allows: isPlatformAdmin,
    refusal: 'this endpoint is for platform administrators (scope "admin", no organization)',
  },
  'any-admin': {
    allows: (principal) => isPlatformAdmin(principal) || isOrganizationAdmin(principal),
    refusal: 'this endpoint is for administrators (scope "admin", or "org-admin" bound to an organization)',
  },
};

/** Runs after authenticateBearer: an authenticated caller without the access answers 403. */
export function requireAccess(access: Exclude<Access, 'public'>): Middleware {
  const { allows, refusal } = ALLOWED[access];
  return async (ctx, next) => {
    if (!allows(principalOf(ctx))) throw new ForbiddenError(refusal);
    await next();
  };
}
