import { principalOf } from '../http/api/authenticate.js';
import { pageQuerySchema } from '../http/api/pagination.js';
import { named, type RouteSpec, route } from '../http/api/route-spec.js';
import {
  createOrganizationSchema,
  organizationPageSchema,
  organizationPathSchema,
  organizationSchema,
  updateOrganizationSchema,
} from './schemas.js';
import type { OrganizationService } from './service.js';

const ORGANIZATION = named('Organization', organizationSchema);
const TAG = 'Organizations';

/** /api/v1/organizations: platform admins; an org-admin may read and switch its own organization. */
export function organizationRoutes(organizations: OrganizationService): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/organizations',
      operationId: 'createOrganization',
      summary: 'Create an organization',
      tag: TAG,
      access: 'platform-admin',
      body: named('CreateOrganization', createOrganizationSchema),
      responses: { 201: { description: 'Created', body: ORGANIZATION } },
      errors: [409],
      handler: async (ctx) => {
        ctx.status = 201;
        ctx.body = await organizations.create(ctx.request.body, principalOf(ctx));
      },
    }),
    route({
      method: 'get',
      path: '/organizations',
      operationId: 'listOrganizations',
      summary: 'List organizations, oldest first',
      tag: TAG,
      access: 'platform-admin',
      query: pageQuerySchema,
      responses: {
        200: { description: 'One page of organizations', body: named('OrganizationPage', organizationPageSchema) },
      },
      handler: async (ctx, { query }) => {
        ctx.body = await organizations.list(query);
      },
    }),
    route({
      method: 'get',
      path: '/organizations/{id}',
      operationId: 'getOrganization',
      summary: 'Get an organization',
      description: 'An org-admin can read its own organization; any other answers 404.',
      tag: TAG,
      access: 'any-admin',
      params: organizationPathSchema,
      responses: { 200: { description: 'The organization', body: ORGANIZATION } },
      handler: async (ctx, { params }) => {
        ctx.body = await organizations.get(params.id, principalOf(ctx));
      },
    }),
    route({
      method: 'patch',
      path: '/organizations/{id}',
      operationId: 'updateOrganization',
      summary: 'Rename an organization or switch its API on or off',
      description:
        "While `api_enabled` is false the organization's clients get no tokens (OAuth error `unauthorized_client`) and their tokens introspect as inactive; its org-admins keep access so they can switch it back on. An org-admin may change `api_enabled` of its own organization only.",
      tag: TAG,
      access: 'any-admin',
      params: organizationPathSchema,
      body: named('UpdateOrganization', updateOrganizationSchema),
      responses: { 200: { description: 'The changed organization', body: ORGANIZATION } },
      errors: [409],
      handler: async (ctx, { params }) => {
        ctx.body = await organizations.update(params.id, ctx.request.body, principalOf(ctx));
      },
    }),
    route({
      method: 'delete',
      path: '/organizations/{id}',
      operationId: 'deleteOrganization',
      summary: 'Delete an organization with all its clients, and revoke their tokens',
      tag: TAG,
      access: 'platform-admin',
      params: organizationPathSchema,
      responses: { 204: { description: 'Deleted' } },
      handler: async (ctx, { params }) => {
        await organizations.delete(params.id, principalOf(ctx));
        ctx.status = 204;
      },
    }),
  ];
}
