import type { Router, RouterContext } from '@koa/router';
import type { Middleware } from 'koa';
import type { z } from 'zod';
import { type Access, requireAccess } from './access.js';

/** A schema with a name: it becomes one reusable component of the OpenAPI document. */
export interface NamedSchema {
  readonly name: string;
  readonly schema: z.ZodType;
}

export function named(name: string, schema: z.ZodType): NamedSchema {
  return { name, schema };
}

export interface ResponseSpec {
  readonly description: string;
  /** application/json for a success, application/problem+json for an error status. */
  readonly body?: NamedSchema;
  /** The same response in other media types, e.g. a download or NDJSON: media type → schema. */
  readonly alternatives?: Readonly<Record<string, z.ZodType>>;
}

/**
 * One admin route: what koa serves and what the OpenAPI document says, from one definition, so the two
 * cannot drift. Request schemas are the very zod schemas the services validate with.
 */
export interface RouteSpec {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Relative to /api/v1, with OpenAPI parameters: `/clients/{client_id}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly access: Access;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: NamedSchema;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /** Error statuses besides those every such route can answer (see `errorStatusesOf`), e.g. 409. */
  readonly errors?: readonly number[];
  readonly handler: (ctx: RouterContext) => Promise<void>;
}

/**
 * Problems a route can answer because of what it is: 401/403/503 behind a token (503: the session store
 * did not answer), 400 with any input, 404 with path parameters, 413/415 with a body.
 */
export function errorStatusesOf(route: RouteSpec): number[] {
  const statuses = new Set(route.errors ?? []);
  if (route.access !== 'public') for (const status of [401, 403, 503]) statuses.add(status);
  if (route.params || route.query || route.body) statuses.add(400);
  if (route.params) statuses.add(404);
  if (route.body) for (const status of [413, 415]) statuses.add(status);
  return [...statuses].sort((a, b) => a - b);
}

/** `/clients/{client_id}` → `/clients/:client_id`. */
function koaPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

/** Serves every route behind the guards its access level names. */
export function mountRoutes(router: Router, routes: readonly RouteSpec[], authenticate: Middleware): void {
  for (const route of routes) {
    const guards = route.access === 'public' ? [] : [authenticate, requireAccess(route.access)];
    router.register(koaPath(route.path), [route.method.toUpperCase()], [...guards, route.handler]);
  }
}

export interface MountedRoute {
  readonly method: string;
  /** Full path as koa matches it, e.g. `/api/v1/clients/:client_id`. */
  readonly path: string;
}

/** What the router actually serves, whoever registered it; the OpenAPI test checks each is documented. */
export function mountedRoutes(router: Router): MountedRoute[] {
  return router.stack.flatMap((layer) =>
    layer.methods.filter((method) => method !== 'HEAD').map((method) => ({ method, path: String(layer.path) })),
  );
}
