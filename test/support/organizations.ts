import { api, type CreatedClient, createClient, tokenFor } from './oauth.js';

export interface Organization {
  id: string;
  name: string;
  api_enabled: boolean;
  created_at: string;
}

let sequence = 0;

/** A new organization with a name unique to this test run. */
export async function createOrganization(baseUrl: string, adminToken: string, name = 'Org'): Promise<Organization> {
  sequence += 1;
  const { status, body } = await api<Organization>(baseUrl, adminToken, 'POST', '/organizations', {
    name: `${name} ${process.pid}-${Date.now()}-${sequence}`,
  });
  if (status !== 201) throw new Error(`organization creation failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export interface OrganizationAdmin {
  readonly client: CreatedClient;
  readonly token: string;
}

/** An org-admin client of the organization, created by a platform admin, with a fresh token. */
export async function createOrganizationAdmin(
  baseUrl: string,
  adminToken: string,
  organizationId: string,
): Promise<OrganizationAdmin> {
  const client = await createClient(baseUrl, adminToken, {
    name: 'org admin',
    role: 'org-admin',
    organization_id: organizationId,
  });
  return { client, token: await tokenFor(baseUrl, client) };
}
