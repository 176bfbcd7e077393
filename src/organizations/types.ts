import type { OrganizationResource } from './schemas.js';

/** An organization, as the rules see it; the store maps its row (snake_case columns) to this. */
export interface Organization {
  readonly id: string;
  readonly name: string;
  readonly apiEnabled: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What may change of an organization. */
export type OrganizationChanges = Partial<Pick<Organization, 'name' | 'apiEnabled'>>;

/** The organization as the API answers it (snake_case, the public contract). */
export function toOrganizationResource(organization: Organization): OrganizationResource {
  return {
    id: organization.id,
    name: organization.name,
    api_enabled: organization.apiEnabled,
    created_at: organization.createdAt.toISOString(),
  };
}
