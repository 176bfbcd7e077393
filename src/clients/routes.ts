import type Router from '@koa/router';
import { principalOf } from '../admin/authenticate.js';
import { parsePageQuery } from '../admin/pagination.js';
import type { ClientService } from './service.js';

/** /api/v1/clients; the router's caller has already required the admin scope. */
export function registerClientRoutes(router: Router, clients: ClientService): void {
  router.post('/clients', async (ctx) => {
    ctx.status = 201;
    ctx.body = await clients.create(ctx.request.body, principalOf(ctx));
    ctx.set('Cache-Control', 'no-store');
  });

  router.get('/clients', async (ctx) => {
    const { limit, cursor } = parsePageQuery(ctx.query);
    ctx.body = await clients.list(limit, cursor);
  });

  router.get('/clients/:client_id', async (ctx) => {
    ctx.body = await clients.get(ctx.params.client_id!);
  });

  router.patch('/clients/:client_id', async (ctx) => {
    ctx.body = await clients.update(ctx.params.client_id!, ctx.request.body, principalOf(ctx));
  });

  router.delete('/clients/:client_id', async (ctx) => {
    await clients.delete(ctx.params.client_id!, principalOf(ctx));
    ctx.status = 204;
  });
}
