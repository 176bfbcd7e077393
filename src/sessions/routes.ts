import type Router from '@koa/router';
import { principalOf } from '../admin/authenticate.js';
import { parsePageQuery } from '../admin/pagination.js';
import type { SessionService } from './service.js';

/** /api/v1/clients/{client_id}/sessions; the router's caller has already required the admin scope. */
export function registerSessionRoutes(router: Router, sessions: SessionService): void {
  router.get('/clients/:client_id/sessions', async (ctx) => {
    const { limit, cursor } = parsePageQuery(ctx.query);
    ctx.body = await sessions.list(ctx.params.client_id!, limit, cursor);
  });

  router.delete('/clients/:client_id/sessions', async (ctx) => {
    await sessions.revokeAll(ctx.params.client_id!, principalOf(ctx));
    ctx.status = 204;
  });

  router.delete('/clients/:client_id/sessions/:jti', async (ctx) => {
    await sessions.revoke(ctx.params.client_id!, ctx.params.jti!, principalOf(ctx));
    ctx.status = 204;
  });
}
