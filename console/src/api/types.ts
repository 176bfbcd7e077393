/** The admin API's resources as GET /api/v1/openapi.json describes them (snake_case, as on the wire). */

export type ClientStatus = 'active' | 'inactive';

export interface Client {
  client_id: string;
  name: string;
  role: string;
  organization_id: string | null;
  ip_allowlist: string[];
  status: ClientStatus;
  note: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
}

export interface CreatedClient extends Client {
  client_secret: string;
}

export interface RotatedSecret {
  client_id: string;
  client_secret: string;
  previous_secret_expires_at: string | null;
}

export interface ClientInput {
  name: string;
  role: string;
  organization_id?: string | null;
  ip_allowlist: string[];
  status: ClientStatus;
  note: string;
}

export interface ClientFilter {
  q?: string;
  role?: string;
  status?: ClientStatus;
  organization_id?: string;
}

export interface TokenSession {
  jti: string;
  issued_at: string;
  expires_at: string;
  scope: string;
  ip: string;
}

export interface Organization {
  id: string;
  name: string;
  api_enabled: boolean;
  created_at: string;
}

export interface Role {
  name: string;
  scopes: string[];
  description: string;
  built_in: boolean;
}

export interface Settings {
  api_enabled: boolean;
  updated_at: string;
}

export interface SigningKey {
  kid: string;
  alg: string;
  status: 'next' | 'active' | 'retired';
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
  expires_at: string | null;
}

export interface AuditEvent {
  id: string;
  at: string;
  type: string;
  actor: string | null;
  client_id: string | null;
  organization_id: string | null;
  ip: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  type?: string;
  client_id?: string;
  organization_id?: string;
  /** ISO 8601 with a time zone. */
  since?: string;
  until?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
