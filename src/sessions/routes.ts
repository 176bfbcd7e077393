import { clientPathSchema } from '../clients/schemas.js';
import { principalOf } from '../http/api/authenticate.js';
import { pageQuerySchema } from '../http/api/pagination.js';
import { named, type RouteSpec, route } from '../http/api/route-spec.js';
import { sessionPageSchema, sessionPathSchema } from './schemas.js';
import type { SessionService } from './service.js';

const TAG = 'Sessions';

/** /api/v1/clients/{client_id}/sessions: a client's live tokens, scoped like the client itself. */
export function sessionRoutes(sessions: SessionService): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/clients/{client_id}/sessions',
      operationId: 'listSessions',
      summary: "List a client's live tokens, newest first",
      tag: TAG,
      access: 'any-admin',
      params: clientPathSchema,
      query: pageQuerySchema,
      responses: { 200: { description: 'One page of sessions', body: named('SessionPage', sessionPageSchema) } },
      handler: async (ctx, { params, query }) => {
        ctx.body = await sessions.list(params.client_id, query, principalOf(ctx));
      },
    }),
    route({
      method: 'delete',
      path: '/clients/{client_id}/sessions',
      operationId: 'revokeAllSessions',
      summary: "Revoke all of a client's tokens",
      tag: TAG,
      access: 'any-admin',
      params: clientPathSchema,
      responses: { 204: { description: 'Revoked' } },
      handler: async (ctx, { params }) => {
        await sessions.revokeAll(params.client_id, principalOf(ctx));
        ctx.status = 204;
      },
    }),
    route({
      method: 'delete',
      path: '/clients/{client_id}/sessions/{jti}',
      operationId: 'revokeSession',
      summary: 'Revoke one token',
      description: 'An unknown, expired or already revoked token answers 404.',
      tag: TAG,
      access: 'any-admin',
      params: sessionPathSchema,
      responses: { 204: { description: 'Revoked' } },
      handler: async (ctx, { params }) => {
        await sessions.revoke(params.client_id, params.jti, principalOf(ctx));
        ctx.status = 204;
      },
    }),
  ];
}
