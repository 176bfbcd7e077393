import type { OrganizationResource } from './schemas.js';

/** An organization as stored. */
export interface OrganizationRecord {
  id: string;
  name: string;
  api_enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export function toOrganizationResource(record: OrganizationRecord): OrganizationResource {
  return {
    id: record.id,
    name: record.name,
    api_enabled: record.api_enabled,
    created_at: record.created_at.toISOString(),
  };
}
