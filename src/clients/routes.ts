import type { ParameterizedContext } from 'koa';
import { principalOf } from '../http/api/authenticate.js';
import { named, type ResponseSpec, type RouteSpec, route } from '../http/api/route-spec.js';
import { downloadQuerySchema, envFileName, envFileSchema, type IssuedCredentials, renderEnvFile } from './env-file.js';
import {
  clientListQuerySchema,
  clientPageSchema,
  clientPathSchema,
  clientSchema,
  createClientSchema,
  createdClientSchema,
  rotatedSecretSchema,
  rotateSecretSchema,
  updateClientSchema,
} from './schemas.js';
import type { ClientService } from './service.js';

const CLIENT = named('Client', clientSchema);
const TAG = 'Clients';

/** The JSON body, or with `?download=env` the same credentials as a .env attachment. */
function answerWithCredentials(
  ctx: ParameterizedContext,
  body: IssuedCredentials,
  envFile: boolean,
  issuer: string,
): void {
  if (!envFile) {
    ctx.body = body;
    return;
  }
  ctx.type = 'text/plain; charset=utf-8';
  ctx.attachment(envFileName(body.client_id));
  ctx.body = renderEnvFile(body, issuer);
}

/** A response carrying fresh credentials, as JSON or (`?download=env`) as a .env file. */
function credentialsResponse(description: string, body: ResponseSpec['body']): ResponseSpec {
  return { description, body, alternatives: { 'text/plain': envFileSchema } };
}

/** /api/v1/clients: platform admins see every client, org-admins their organization's (others answer 404). */
export function clientRoutes(clients: ClientService, issuer: string): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/clients',
      operationId: 'createClient',
      summary: 'Create a client',
      description:
        "The response is the only time the client_secret is shown; a private_key_jwt client has none (it authenticates with a key of `jwks` or `jwks_uri`, or a token its `federated_credentials` trust). An org-admin's clients land in its organization; it cannot create admin or org-admin clients.",
      tag: TAG,
      access: 'any-admin',
      query: downloadQuerySchema,
      body: named('CreateClient', createClientSchema),
      responses: { 201: credentialsResponse('Created', named('CreatedClient', createdClientSchema)) },
      errors: [409],
      handler: async (ctx, { query }) => {
        const envFile = query.download === 'env';
        const created = await clients.create(ctx.request.body, principalOf(ctx));
        ctx.status = 201;
        answerWithCredentials(ctx, created, envFile, issuer);
      },
    }),
    route({
      method: 'get',
      path: '/clients',
      operationId: 'listClients',
      summary: 'List clients, newest first',
      tag: TAG,
      access: 'any-admin',
      query: clientListQuerySchema,
      responses: { 200: { description: 'One page of clients', body: named('ClientPage', clientPageSchema) } },
      handler: async (ctx, { query }) => {
        ctx.body = await clients.list(query, principalOf(ctx));
      },
    }),
    route({
      method: 'get',
      path: '/clients/{client_id}',
      operationId: 'getClient',
      summary: 'Get a client',
      tag: TAG,
      access: 'any-admin',
      params: clientPathSchema,
      responses: { 200: { description: 'The client', body: CLIENT } },
      handler: async (ctx, { params }) => {
        ctx.body = await clients.get(params.client_id, principalOf(ctx));
      },
    }),
    route({
      method: 'patch',
      path: '/clients/{client_id}',
      operationId: 'updateClient',
      summary: 'Change a client',
      description:
        'Setting it inactive, or moving it to another organization (platform admins only), revokes its tokens.',
      tag: TAG,
      access: 'any-admin',
      params: clientPathSchema,
      body: named('UpdateClient', updateClientSchema),
      responses: { 200: { description: 'The changed client', body: CLIENT } },
      handler: async (ctx, { params }) => {
        ctx.body = await clients.update(params.client_id, ctx.request.body, principalOf(ctx));
      },
    }),
    route({
      method: 'delete',
      path: '/clients/{client_id}',
      operationId: 'deleteClient',
      summary: 'Delete a client and revoke its tokens',
      tag: TAG,
      access: 'any-admin',
      params: clientPathSchema,
      responses: { 204: { description: 'Deleted' } },
      handler: async (ctx, { params }) => {
        await clients.delete(params.client_id, principalOf(ctx));
        ctx.status = 204;
      },
    }),
    route({
      method: 'post',
      path: '/clients/{client_id}/secret',
      operationId: 'rotateClientSecret',
      summary: "Rotate a client's secret",
      description:
        'With `grace_period_seconds` the previous secret keeps working that long, then stops by itself; by default it stops at once. Tokens already issued stay valid: revoke them through the sessions endpoints. A private_key_jwt client has no secret: 409.',
      tag: TAG,
      access: 'any-admin',
      params: clientPathSchema,
      query: downloadQuerySchema,
      body: named('RotateSecret', rotateSecretSchema),
      errors: [409],
      responses: { 200: credentialsResponse('The new secret', named('RotatedSecret', rotatedSecretSchema)) },
      handler: async (ctx, { params, query }) => {
        const envFile = query.download === 'env';
        answerWithCredentials(
          ctx,
          await clients.rotateSecret(params.client_id, ctx.request.body, principalOf(ctx)),
          envFile,
          issuer,
        );
      },
    }),
  ];
}
