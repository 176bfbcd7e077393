import { startSharedServer } from '../support/modes.js';
import { adminToken, basicAuth, createClient, requestToken, uniqueIp } from '../support/oauth.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Written out here, not imported from src: a change to what the server sends must show up as a change
 * to this expectation.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
};

const CONSOLE = 'https://console.example.com';

let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startSharedServer({ TRUST_PROXY: 'true', RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_IP: '1' });
  admin = await adminToken(server.url);
});

afterAll(async () => {
  await server?.stop();
});

function form(fields: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

function json(token: string, body: string): RequestInit {
  return { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body };
}

describe('security headers', () => {
  it('are on every response: OAuth, admin, provider, operations, success and error alike', async () => {
    const client = await createClient(server.url, admin, { name: 'headers', role: 'read-only' });
    const attacker = uniqueIp();
    await requestToken(server.url, client.client_id, 'wrong', {}, { 'x-forwarded-for': attacker });
    const requests: [string, RequestInit, number][] = [
      [
        '/token',
        form({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret }),
        200,
      ],
      [
        '/token',
        {
          ...form({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: 'wrong' }),
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': uniqueIp() },
        },
        401,
      ],
      ['/token', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }, 400],
      ['/token', form({ grant_type: 'client_credentials', padding: 'x'.repeat(20_000) }), 413],
      ['/token', { method: 'GET' }, 405],
      ['/token/introspection', { method: 'GET' }, 405],
      [
        '/token/introspection',
        form({ client_id: client.client_id, client_secret: client.client_secret, token: 'x' }),
        200,
      ],
      [
        '/token/revocation',
        {
          ...form({ client_id: client.client_id, client_secret: 'wrong', token: 'x' }),
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': uniqueIp() },
        },
        401,
      ],
      [
        '/token',
        {
          ...form({ grant_type: 'client_credentials' }),
          headers: {
            authorization: basicAuth(client.client_id, 'again'),
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-for': attacker,
          },
        },
        429,
      ],
      ['/api/v1/clients', { headers: { authorization: `Bearer ${admin}` } }, 200],
      ['/api/v1/clients', {}, 401],
      ['/api/v1/nothing-here', { headers: { authorization: `Bearer ${admin}` } }, 404],
      ['/api/v1/clients', json(admin, '{"name":'), 400],
      ['/api/v1/clients', json(admin, JSON.stringify({ name: 'x'.repeat(70_000) })), 413],
      ['/.well-known/openid-configuration', {}, 200],
      ['/jwks', {}, 200],
      ['/no/such/page', {}, 404],
      ['/healthz', {}, 200],
      ['/readyz', {}, 200],
      ['/metrics', {}, 200],
    ];
    for (const [path, init, status] of requests) {
      const response = await fetch(`${server.url}${path}`, init);
      await response.arrayBuffer();
      expect([path, response.status]).toEqual([path, status]);
      for (const [name, value] of Object.entries(SECURITY_HEADERS))
        expect([path, name, response.headers.get(name)]).toEqual([path, name, value]);
    }
  });
});

describe('request body limits', () => {
  it('accepts a token request of exactly 16 KiB and refuses one byte more with 413 invalid_request', async () => {
    const client = await createClient(server.url, admin, { name: 'big forms', role: 'read-only' });
    const base = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
      padding: '',
    }).toString();
    const exact = await fetch(`${server.url}/token`, { ...form({}), body: base + 'x'.repeat(16 * 1024 - base.length) });
    expect(exact.status).toBe(200);
    const over = await fetch(`${server.url}/token`, {
      ...form({}),
      body: base + 'x'.repeat(16 * 1024 - base.length + 1),
    });
    expect(over.status).toBe(413);
    expect(over.headers.get('connection')).toBe('close');
    expect(await over.json()).toEqual({
      error: 'invalid_request',
      error_description: 'request body exceeds 16384 bytes',
    });
  });

  it('refuses an oversized body sent without Content-Length (chunked) and a large one, never with a 500', async () => {
    const chunks = [Buffer.alloc(10_000, 'a'), Buffer.alloc(10_000, 'b')];
    const streamed = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new ReadableStream({
        pull: (controller) => (chunks.length ? controller.enqueue(chunks.shift()!) : controller.close()),
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    const huge = await fetch(`${server.url}/token`, { ...form({}), body: 'a'.repeat(4 * 1024 * 1024) });
    expect(huge.status).toBe(413);
  });

  it('answers the admin API with 413 past 64 KiB, 400 for malformed JSON and 415 for another media type', async () => {
    const tooLarge = await fetch(
      `${server.url}/api/v1/clients`,
      json(admin, JSON.stringify({ name: 'x'.repeat(65 * 1024) })),
    );
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await tooLarge.json()) as { detail: string }).detail).toMatch(/exceeds 65536 bytes/);
    const malformed = await fetch(`${server.url}/api/v1/clients`, json(admin, '{"name": "unterminated'));
    expect(malformed.status).toBe(400);
    const text = await fetch(`${server.url}/api/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/plain' },
      body: 'name=x',
    });
    expect(text.status).toBe(415);
  });
});

describe('CORS', () => {
  it('is off by default on the admin API and never on the OAuth endpoints', async () => {
    const preflight = await fetch(`${server.url}/api/v1/clients`, {
      method: 'OPTIONS',
      headers: {
        origin: CONSOLE,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    const call = await fetch(`${server.url}/api/v1/clients`, {
      headers: { origin: CONSOLE, authorization: `Bearer ${admin}` },
    });
    const tokenPreflight = await fetch(`${server.url}/token`, {
      method: 'OPTIONS',
      headers: { origin: CONSOLE, 'access-control-request-method': 'POST' },
    });
    const introspectionPreflight = await fetch(`${server.url}/token/introspection`, {
      method: 'OPTIONS',
      headers: { origin: CONSOLE, 'access-control-request-method': 'POST' },
    });
    const token = await requestToken(
      server.url,
      'tgc_cors_probe',
      'wrong',
      {},
      { origin: CONSOLE, 'x-forwarded-for': uniqueIp() },
    );
    expect(call.status).toBe(200);
    expect(tokenPreflight.status).toBe(405);
    expect(tokenPreflight.headers.get('allow')).toBe('POST');
    expect(introspectionPreflight.status).toBe(405);
    for (const response of [preflight, call, tokenPreflight, introspectionPreflight])
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(token.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets any origin read the public discovery document and JWKS', async () => {
    for (const path of ['/.well-known/openid-configuration', '/jwks']) {
      const response = await fetch(`${server.url}${path}`, { headers: { origin: CONSOLE } });
      expect(response.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    }
  });

  describe('with ADMIN_CORS_ORIGINS (single-node server)', () => {
    let embedded: TestServer;
    let token: string;

    beforeAll(async () => {
      embedded = await startTestServer({ ADMIN_CORS_ORIGINS: `${CONSOLE}, https://other.example.com` });
      token = await adminToken(embedded.url);
    });

    afterAll(async () => {
      await embedded?.stop();
    });

    it('answers preflights and calls from a listed origin, errors included, and nothing for any other origin', async () => {
      const preflight = await fetch(`${embedded.url}/api/v1/clients`, {
        method: 'OPTIONS',
        headers: {
          origin: CONSOLE,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(CONSOLE);
      expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();

      const call = await fetch(`${embedded.url}/api/v1/clients`, {
        headers: { origin: CONSOLE, authorization: `Bearer ${token}` },
      });
      expect(call.status).toBe(200);
      expect(call.headers.get('access-control-allow-origin')).toBe(CONSOLE);
      expect(call.headers.get('vary')).toMatch(/Origin/);
      const unauthenticated = await fetch(`${embedded.url}/api/v1/clients`, { headers: { origin: CONSOLE } });
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.headers.get('access-control-allow-origin')).toBe(CONSOLE);

      const stranger = await fetch(`${embedded.url}/api/v1/clients`, {
        headers: { origin: 'https://evil.example', authorization: `Bearer ${token}` },
      });
      expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('keeps oversized and malformed bodies at 413 and 400 in single-node mode too', async () => {
      const tooLarge = await fetch(`${embedded.url}/token`, {
        ...form({ grant_type: 'client_credentials', padding: 'x'.repeat(17 * 1024) }),
      });
      expect(tooLarge.status).toBe(413);
      const malformed = await fetch(`${embedded.url}/api/v1/clients`, json(token, '[1,'));
      expect(malformed.status).toBe(400);
    });
  });
});
