import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HttpRoute, pathOf, routeTable } from '../../src/http/route-table.js';

/** What a handler did with the request: the route table is plain functions, so no server is needed. */
function recorder(name: string, log: string[]) {
  return (req: IncomingMessage) => log.push(`${name} ${req.method} ${req.url}`);
}

function request(method: string, url: string): IncomingMessage {
  return { method, url } as IncomingMessage;
}

function response(): ServerResponse & { headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  return {
    headers,
    setHeader: (name: string, value: string) => (headers[name] = value),
  } as unknown as ServerResponse & { headers: Record<string, string> };
}

describe('routeTable', () => {
  const log: string[] = [];
  const routes: HttpRoute[] = [
    {
      path: '/token',
      methods: ['POST'],
      handle: recorder('token', log),
      refuseMethod: (req, _res, allowed) => log.push(`refused ${req.method}, allowed ${allowed.join(',')}`),
    },
    { path: '/api/v1', prefix: true, handle: recorder('admin', log) },
    { path: '/jwks', methods: ['GET'], headers: { 'X-Frame-Options': 'DENY' }, handle: recorder('jwks', log) },
  ];
  const handle = routeTable(routes, recorder('404', log));

  beforeEach(() => {
    log.length = 0;
  });

  it('serves an exact path under its one spelling, with or without a query', () => {
    for (const url of ['/token', '/token?x=1', '/token/', '/TOKEN', '//token', '/token%2F', 'http://host/token'])
      handle(request('POST', url), response());
    expect(log).toEqual([
      'token POST /token',
      'token POST /token?x=1',
      '404 POST /token/',
      '404 POST /TOKEN',
      '404 POST //token',
      '404 POST /token%2F',
      '404 POST http://host/token',
    ]);
  });

  it('serves a prefix and everything below it, but not a longer name', () => {
    for (const url of ['/api/v1', '/api/v1/clients', '/api/v10', '/api']) handle(request('GET', url), response());
    expect(log).toEqual(['admin GET /api/v1', 'admin GET /api/v1/clients', '404 GET /api/v10', '404 GET /api']);
  });

  it('refuses other methods through the route, saying which it takes', () => {
    handle(request('GET', '/token'), response());
    expect(log).toEqual(['refused GET, allowed POST']);
  });

  it('sets the route headers before its handler runs', () => {
    const res = response();
    handle(request('GET', '/jwks'), res);
    expect(res.headers).toEqual({ 'X-Frame-Options': 'DENY' });
  });

  it('reads the path without decoding or normalising it', () => {
    expect([pathOf('/a%2Fb?c'), pathOf(undefined), pathOf('/x?')]).toEqual(['/a%2Fb', '/', '/x']);
  });
});
