import { principalOf } from '../http/api/authenticate.js';
import { named, type RouteSpec, route } from '../http/api/route-spec.js';
import { createRoleSchema, roleListSchema, rolePathSchema, roleSchema, updateRoleSchema } from './schemas.js';
import type { RoleService } from './service.js';

const ROLE = named('Role', roleSchema);
const TAG = 'Roles';

/** /api/v1/roles: everyone who administers clients reads them; platform admins shape custom roles. */
export function roleRoutes(roles: RoleService): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/roles',
      operationId: 'listRoles',
      summary: 'List built-in and custom roles with their scopes',
      tag: TAG,
      access: 'any-admin',
      responses: { 200: { description: 'Every role', body: named('RoleList', roleListSchema) } },
      handler: async (ctx) => {
        ctx.body = await roles.list();
      },
    }),
    route({
      method: 'post',
      path: '/roles',
      operationId: 'createRole',
      summary: 'Create a custom role',
      tag: TAG,
      access: 'platform-admin',
      body: named('CreateRole', createRoleSchema),
      responses: { 201: { description: 'Created', body: ROLE } },
      errors: [409],
      handler: async (ctx) => {
        ctx.status = 201;
        ctx.body = await roles.create(ctx.request.body, principalOf(ctx));
      },
    }),
    route({
      method: 'patch',
      path: '/roles/{name}',
      operationId: 'updateRole',
      summary: "Change a custom role's scopes or description",
      description: 'Tokens issued from now on carry the new scopes. Built-in roles cannot be changed (403).',
      tag: TAG,
      access: 'platform-admin',
      params: rolePathSchema,
      body: named('UpdateRole', updateRoleSchema),
      responses: { 200: { description: 'The changed role', body: ROLE } },
      handler: async (ctx, { params }) => {
        ctx.body = await roles.update(params.name, ctx.request.body, principalOf(ctx));
      },
    }),
    route({
      method: 'delete',
      path: '/roles/{name}',
      operationId: 'deleteRole',
      summary: 'Delete a custom role',
      description: 'A role some client still has answers 409; built-in roles answer 403.',
      tag: TAG,
      access: 'platform-admin',
      params: rolePathSchema,
      responses: { 204: { description: 'Deleted' } },
      errors: [409],
      handler: async (ctx, { params }) => {
        await roles.delete(params.name, principalOf(ctx));
        ctx.status = 204;
      },
    }),
  ];
}
