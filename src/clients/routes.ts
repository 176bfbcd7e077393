import type Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { principalOf } from '../admin/authenticate.js';
import { parsePageQuery } from '../admin/pagination.js';
import { envFileName, renderEnvFile, wantsEnvFile, type IssuedCredentials } from './env-file.js';
import type { ClientService } from './service.js';

/** The JSON body, or with `?download=env` the same credentials as a .env attachment. */
function answerWithCredentials(ctx: ParameterizedContext, body: IssuedCredentials, envFile: boolean, issuer: string): void {
  ctx.set('Cache-Control', 'no-store');
  if (!envFile) {
    ctx.body = body;
    return;
  }
  ctx.type = 'text/plain; charset=utf-8';
  ctx.attachment(envFileName(body.client_id));
  ctx.body = renderEnvFile(body, issuer);
}

/** /api/v1/clients; the router's caller has already required the admin scope. */
export function registerClientRoutes(router: Router, clients: ClientService, issuer: string): void {
  router.post('/clients', async (ctx) => {
    const envFile = wantsEnvFile(ctx.query);
    const created = await clients.create(ctx.request.body, principalOf(ctx));
    ctx.status = 201;
    answerWithCredentials(ctx, created, envFile, issuer);
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

  router.post('/clients/:client_id/secret', async (ctx) => {
    const envFile = wantsEnvFile(ctx.query);
    answerWithCredentials(ctx, await clients.rotateSecret(ctx.params.client_id!, ctx.request.body, principalOf(ctx)), envFile, issuer);
  });
}
