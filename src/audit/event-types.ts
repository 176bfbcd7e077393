/**
 * Every audit event type Tollgate records, in one list (docs/audit-and-cli.md describes each). Events
 * already stored keep their type, so readers of the table and the export treat `type` as a string. No
 * imports: the console (console/src/pages/audit.tsx) offers the same list as filter suggestions.
 */
export const AUDIT_EVENT_TYPES = [
  'client.created',
  'client.updated',
  'client.deleted',
  'client.secret_rotated',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'role.created',
  'role.updated',
  'role.deleted',
  'settings.updated',
  'sessions.revoked',
  'key.rotated',
  'key.revoked',
  'key.deleted',
  'token.issued',
  'token.denied',
  'introspection.denied',
  'revocation.denied',
  'caller.blocked',
  'caller.unblocked',
  'database.migrated',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];
