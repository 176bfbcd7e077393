import type Router from '@koa/router';
import { principalOf } from '../admin/authenticate.js';
import type { KeyManager } from './service.js';

/** /api/v1/keys; the router's caller has already required the admin scope. Public metadata only. */
export function registerKeyRoutes(router: Router, keys: KeyManager): void {
  router.get('/keys', async (ctx) => {
    ctx.body = { items: await keys.list() };
  });

  router.post('/keys/rotate', async (ctx) => {
    ctx.body = await keys.rotate(principalOf(ctx));
  });
}
