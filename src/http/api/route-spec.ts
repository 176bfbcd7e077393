import type { Router, RouterContext } from '@koa/router';
import type { Middleware } from 'koa';
import type { z } from 'zod';
import { type FieldIssue, ValidationError } from '../../x/errors.js';
import { parseInput } from '../../x/validation.js';
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

type Schema = z.ZodObject | undefined;

/** What a schema parses to; a route without one gets an empty object. */
type Parsed<S extends Schema> = S extends z.ZodObject ? z.output<S> : Record<string, never>;

/** A route's path and query parameters, parsed with its declared schemas before its handler runs. */
interface RouteInput<P extends Schema, Q extends Schema> {
  readonly params: Parsed<P>;
  readonly query: Parsed<Q>;
}

/**
 * One admin route: what koa serves and what the OpenAPI document says, from one definition, so the two
 * cannot drift. Request schemas are the very zod schemas the services validate with. `params` and `query`
 * are parsed by `mountRoutes`, which answers a bad one with a 400 naming the field, and the handler gets
 * the parsed values; the body is the handler's to parse (it knows when, e.g. after a visibility check).
 * Write routes with `route({...})`, which types the handler's input from the schemas.
 */
export interface RouteSpec<P extends Schema = Schema, Q extends Schema = Schema> {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Relative to /api/v1, with OpenAPI parameters: `/clients/{client_id}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly access: Access;
  readonly params?: P;
  readonly query?: Q;
  /**
   * `?type=&client_id=abc`: a blank query parameter is an unused filter, as in a URL template with
   * blanks left (the audit search). Elsewhere a blank value is parsed like any other, and refused.
   */
  readonly blankQueryIsUnset?: boolean;
  readonly body?: NamedSchema;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /** Error statuses besides those every such route can answer (see `errorStatusesOf`), e.g. 409. */
  readonly errors?: readonly number[];
  readonly handler: (ctx: RouterContext, input: RouteInput<P, Q>) => Promise<void>;
}

/** A route with its handler's input typed from its schemas, as the route lists hold it. */
export function route<P extends Schema = undefined, Q extends Schema = undefined>(spec: RouteSpec<P, Q>): RouteSpec {
  return spec as unknown as RouteSpec;
}

function withoutBlanks(query: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ''));
}

/** Parses one part of the request; a ValidationError's issues are collected, anything else thrown. */
function parsePart(schema: Schema, input: unknown, issues: FieldIssue[]): unknown {
  if (!schema) return {};
  try {
    return parseInput(schema, input);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(...error.issues);
    return undefined;
  }
}

/** The route's parameters, parsed; what is wrong with them is one ValidationError naming each field (a 400). */
function inputOf(route: RouteSpec, ctx: RouterContext): RouteInput<Schema, Schema> {
  const issues: FieldIssue[] = [];
  const params = parsePart(route.params, ctx.params, issues);
  const query = parsePart(route.query, route.blankQueryIsUnset ? withoutBlanks(ctx.query) : ctx.query, issues);
  if (issues.length > 0) throw new ValidationError(issues);
  return { params, query } as RouteInput<Schema, Schema>;
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
    const handle: Middleware = (ctx) => route.handler(ctx as RouterContext, inputOf(route, ctx as RouterContext));
    router.register(koaPath(route.path), [route.method.toUpperCase()], [...guards, handle]);
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
