/**
 * The scopes with a meaning of their own (public contract): they open the admin API or token
 * introspection. Roles grant them (roles/built-in.ts); the admin API's access rules and the OAuth
 * endpoints check for them.
 */
export const ADMIN_SCOPE = 'admin';
export const ORG_ADMIN_SCOPE = 'org-admin';
export const INTROSPECT_SCOPE = 'introspect';
