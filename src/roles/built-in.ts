import type { Role } from './types.js';

export const ADMIN_SCOPE = 'admin';
export const ORG_ADMIN_SCOPE = 'org-admin';
export const INTROSPECT_SCOPE = 'introspect';

/** The roles every Tollgate has; they cannot be changed or deleted. */
export const BUILT_IN_ROLES: readonly Role[] = [
  { name: 'admin', scopes: [ADMIN_SCOPE, 'read', 'write'], description: 'Platform administrator: manages every client, role and setting.', built_in: true },
  { name: 'org-admin', scopes: [ORG_ADMIN_SCOPE, 'read', 'write'], description: "Administers the clients of its own organization.", built_in: true },
  { name: 'analyst', scopes: ['read', 'write'], description: 'Reads and writes platform data.', built_in: true },
  { name: 'read-only', scopes: ['read'], description: 'Reads platform data.', built_in: true },
  { name: 'resource-server', scopes: [INTROSPECT_SCOPE], description: 'An API that introspects tokens.', built_in: true },
];
