import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import type { ProxyTrust } from '../config/proxy-trust.js';
import { authenticateBearer } from '../http/api/authenticate.js';
import { adminCors } from '../http/api/cors.js';
import { jsonBody } from '../http/api/json-body.js';
import { createOpenApiDocument } from '../http/api/openapi.js';
import { PROBLEM_TYPES_PATH, problemMiddleware } from '../http/api/problem.js';
import { type MountedRoute, mountedRoutes, mountRoutes, type RouteSpec } from '../http/api/route-spec.js';
import { clientIp } from '../http/client-ip.js';
import { SECURITY_HEADERS } from '../http/security-headers.js';
import type { AccessTokenValidator } from '../oauth/access-token-validator.js';
import type { Logger } from '../observability/logger.js';
import { MethodNotAllowedError, NotFoundError } from '../x/errors.js';
import { ADMIN_API_VERSION, SERVER_VERSION } from '../x/version.js';
import { metaRoutes } from './meta-routes.js';

export const API_PREFIX = '/api/v1';

export interface AdminDependencies {
  readonly validator: AccessTokenValidator;
  /** Every domain's routes; /info and /openapi.json are added here. */
  readonly routes: readonly RouteSpec[];
  /** The token endpoint the OpenAPI security scheme points at lives here. */
  readonly issuer: string;
  readonly logger: Logger;
  readonly proxyTrust: ProxyTrust;
  /** Browser origins allowed to call the API; empty: CORS off. */
  readonly corsOrigins: readonly string[];
}

export interface AdminApi {
  readonly app: Koa;
  /** What koa serves, for checking that the OpenAPI document covers every route. */
  readonly mountedRoutes: readonly MountedRoute[];
}

/** A caller's X-Request-Id is kept when it is a sane token, so events correlate across systems. */
function requestIdOf(header: string): string {
  return /^[A-Za-z0-9._:-]{1,128}$/.test(header) ? header : randomUUID();
}

/** The admin API: JSON in, JSON or problem+json out; each route declares who may call it. */
export function createAdminApi(deps: AdminDependencies): AdminApi {
  const app = new Koa();
  const problemTypeBase = `${deps.issuer}${API_PREFIX}${PROBLEM_TYPES_PATH}`;
  // Errors thrown before a response starts become problem+json; this only sees a streamed body failing midway.
  app.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') deps.logger.warn({ err: error }, 'admin API response aborted');
  });
  app.use(async (ctx, next) => {
    ctx.state.requestId = requestIdOf(ctx.get('x-request-id'));
    ctx.state.clientIp = clientIp(ctx.req, deps.proxyTrust);
    ctx.set(SECURITY_HEADERS);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Request-Id', ctx.state.requestId);
    await next();
  });
  app.use(adminCors(deps.corsOrigins));
  app.use(problemMiddleware(deps.logger, problemTypeBase));
  app.use(jsonBody());

  const routes: RouteSpec[] = [
    ...deps.routes,
    ...metaRoutes({
      version: SERVER_VERSION,
      apiVersion: ADMIN_API_VERSION,
      openApiDocument: () => document,
      problemTypeBase,
    }),
  ];
  // Built at startup, so a route whose schemas cannot be described stops the server, not a request.
  const document = createOpenApiDocument(routes, {
    issuer: deps.issuer,
    basePath: API_PREFIX,
    apiVersion: ADMIN_API_VERSION,
  });
  const router = new Router({ prefix: API_PREFIX });
  mountRoutes(
    router,
    routes,
    authenticateBearer((token) => deps.validator.validate(token)),
  );
  app.use(router.routes());
  const refuseMethod = () => new MethodNotAllowedError(`this endpoint does not take that method`, []);
  app.use(router.allowedMethods({ throw: true, methodNotAllowed: refuseMethod, notImplemented: refuseMethod }));
  app.use(async (ctx) => {
    throw new NotFoundError(`no such endpoint: ${ctx.method} ${ctx.path}`);
  });
  return { app, mountedRoutes: mountedRoutes(router) };
}
