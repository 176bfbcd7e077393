import cors from '@koa/cors';
import type { Middleware } from 'koa';

/**
 * CORS for the admin API, off unless origins are configured (ADMIN_CORS_ORIGINS): with no
 * Access-Control-Allow-Origin, browsers keep other sites' pages from reading admin responses. Listed
 * origins are echoed exactly, never `*`, and without credentials: the API takes bearer tokens, not
 * cookies. @koa/cors does the protocol (it adds `Vary: Origin` to every response it sees, so it is only
 * mounted when some origin is listed).
 */
export function adminCors(origins: readonly string[]): Middleware {
  if (origins.length === 0) return (_ctx, next) => next();
  const allowed = new Set(origins);
  return cors({
    origin: (ctx) => (allowed.has(ctx.get('origin')) ? ctx.get('origin') : ''),
    allowMethods: 'GET, POST, PUT, PATCH, DELETE',
    allowHeaders: 'Authorization, Content-Type, Accept, X-Request-Id',
    exposeHeaders: 'Location, Retry-After, X-Request-Id',
    maxAge: 600,
    credentials: false,
  });
}
