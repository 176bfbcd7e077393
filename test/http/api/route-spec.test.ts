import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { z } from 'zod';
import { pageQuerySchema } from '../../../src/http/api/pagination.js';
import { problemMiddleware } from '../../../src/http/api/problem.js';
import { mountRoutes, route } from '../../../src/http/api/route-spec.js';
import { createLogger } from '../../../src/observability/logger.js';

const thingPath = z.object({ id: z.string().regex(/^t_[0-9]{1,8}$/, 'not a thing id') });
const searchQuery = z.strictObject({ kind: z.string().min(1).optional(), name: z.string().min(1).optional() });

const routes = [
  route({
    method: 'get',
    path: '/things/{id}',
    operationId: 'getThing',
    summary: 'a thing',
    tag: 'Test',
    access: 'public',
    params: thingPath,
    query: pageQuerySchema,
    responses: { 200: { description: 'ok' } },
    handler: async (ctx, { params, query }) => {
      ctx.body = { id: params.id, limit: query.limit, cursor: query.cursor ?? null };
    },
  }),
  route({
    method: 'get',
    path: '/search',
    operationId: 'search',
    summary: 'search',
    tag: 'Test',
    access: 'public',
    query: searchQuery,
    blankQueryIsUnset: true,
    responses: { 200: { description: 'ok' } },
    handler: async (ctx, { query }) => {
      ctx.body = query;
    },
  }),
];

let server: Server;
let base: string;

beforeAll(async () => {
  const app = new Koa();
  app.use(problemMiddleware(createLogger('silent'), 'https://tollgate.test/problems'));
  const router = new Router();
  mountRoutes(router, routes, async () => {
    throw new Error('no route here needs a token');
  });
  app.use(router.routes());
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (server?.listening) await new Promise((resolve) => server.close(resolve));
});

async function get(path: string): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`);
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

function fieldsOf(body: Record<string, unknown>): string[] {
  return (body.errors as { field: string }[]).map((error) => error.field).sort();
}

describe('mountRoutes', () => {
  it('hands the handler its path and query parameters parsed, defaults applied and numbers as numbers', async () => {
    expect(await get('/things/t_42')).toMatchObject({ status: 200, body: { id: 't_42', limit: 50, cursor: null } });
    expect((await get('/things/t_42?limit=7&cursor=abc')).body).toEqual({ id: 't_42', limit: 7, cursor: 'abc' });
  });

  it.each([
    ['/things/nope', ['id']],
    ['/things/t_1?limit=0', ['limit']],
    ['/things/t_1?limit=many', ['limit']],
    ['/things/t_1?limit=1&limit=2', ['limit']],
    ['/things/t_1?cursor=', ['cursor']],
    ['/things/nope?limit=201', ['id', 'limit']],
  ])('answers %s with a 400 problem naming %p', async (path, fields) => {
    const { status, type, body } = await get(path);
    expect(status).toBe(400);
    expect(type).toMatch(/^application\/problem\+json/);
    expect(fieldsOf(body)).toEqual(fields);
  });

  it('treats a blank query parameter as unset only where the route says so', async () => {
    expect(await get('/search?kind=&name=x')).toMatchObject({ status: 200, body: { name: 'x' } });
    expect((await get('/search?kind=&name=x')).body).not.toHaveProperty('kind');
    expect(fieldsOf((await get('/search?colour=red')).body)).toEqual(['colour']);
  });
});
