import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import type { ClientService } from '../clients/service.js';
import { registerClientRoutes } from '../clients/routes.js';
import { NotFoundError } from '../errors.js';
import { clientIp } from '../http/client-ip.js';
import { SECURITY_HEADERS } from '../http/security-headers.js';
import { registerKeyRoutes } from '../keys/routes.js';
import type { KeyManager } from '../keys/service.js';
import type { Logger } from '../observability/logger.js';
import { ADMIN_SCOPE } from '../roles/built-in.js';
import { registerSessionRoutes } from '../sessions/routes.js';
import type { SessionService } from '../sessions/service.js';
import type { AccessTokenValidator } from '../tokens/validator.js';
import { authenticateBearer, requireScope } from './authenticate.js';
import { jsonBody } from './json-body.js';
import { problemMiddleware } from './problem.js';

export const API_PREFIX = '/api/v1';

export interface AdminDependencies {
  readonly validator: AccessTokenValidator;
  readonly clients: ClientService;
  readonly sessions: SessionService;
  readonly keys: KeyManager;
  readonly logger: Logger;
  readonly trustedProxyHops: number;
  /** For the credentials files the API hands out. */
  readonly issuer: string;
}

/** A caller's X-Request-Id is kept when it is a sane token, so events correlate across systems. */
function requestIdOf(header: string): string {
  return /^[A-Za-z0-9._:-]{1,128}$/.test(header) ? header : randomUUID();
}

/** The admin API: JSON in, JSON or problem+json out, every route behind an admin access token. */
export function buildAdminApp(deps: AdminDependencies): Koa {
  const app = new Koa();
  app.use(async (ctx, next) => {
    ctx.state.requestId = requestIdOf(ctx.get('x-request-id'));
    ctx.state.clientIp = clientIp(ctx.req, deps.trustedProxyHops);
    ctx.set(SECURITY_HEADERS);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Request-Id', ctx.state.requestId);
    await next();
  });
  app.use(problemMiddleware(deps.logger));
  app.use(jsonBody());

  const router = new Router({ prefix: API_PREFIX });
  router.use(authenticateBearer(deps.validator), requireScope(ADMIN_SCOPE));
  registerClientRoutes(router, deps.clients, deps.issuer);
  registerSessionRoutes(router, deps.sessions);
  registerKeyRoutes(router, deps.keys);
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  app.use(async (ctx) => {
    throw new NotFoundError(`no such endpoint: ${ctx.method} ${ctx.path}`);
  });
  return app;
}
