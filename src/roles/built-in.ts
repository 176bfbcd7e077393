import { ADMIN_SCOPE, INTROSPECT_SCOPE, ORG_ADMIN_SCOPE } from '../x/scopes.js';
import type { Role } from './types.js';

export const ADMIN_ROLE = 'admin';
export const ORG_ADMIN_ROLE = 'org-admin';

/**
 * Scopes that open the admin API. Only the built-in admin roles grant them, so a custom role can never
 * become a back door into administration, and an org-admin cannot mint one.
 */
export const ADMINISTRATIVE_SCOPES: ReadonlySet<string> = new Set([ADMIN_SCOPE, ORG_ADMIN_SCOPE]);
export const ADMINISTRATIVE_ROLES: ReadonlySet<string> = new Set([ADMIN_ROLE, ORG_ADMIN_ROLE]);

/** The roles every Tollgate has; they cannot be changed or deleted. */
export const BUILT_IN_ROLES: readonly Role[] = [
  {
    name: ADMIN_ROLE,
    scopes: [ADMIN_SCOPE, 'read', 'write'],
    description: 'Platform administrator: manages every client, role and setting.',
    builtIn: true,
  },
  {
    name: ORG_ADMIN_ROLE,
    scopes: [ORG_ADMIN_SCOPE, 'read', 'write'],
    description: 'Administers the clients of its own organization.',
    builtIn: true,
  },
  { name: 'analyst', scopes: ['read', 'write'], description: 'Reads and writes platform data.', builtIn: true },
  { name: 'read-only', scopes: ['read'], description: 'Reads platform data.', builtIn: true },
  {
    name: 'resource-server',
    scopes: [INTROSPECT_SCOPE],
    description: 'An API that introspects tokens.',
    builtIn: true,
  },
];
