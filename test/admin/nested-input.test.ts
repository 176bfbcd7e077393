import { z } from 'zod';
import { ValidationError } from '../../src/x/errors.js';
import { MAX_INPUT_DEPTH, parseInput } from '../../src/x/validation.js';
import { startSharedServer } from '../support/modes.js';
import { adminToken, api } from '../support/oauth.js';
import type { TestServer } from '../support/server.js';

/** `levels` arrays, one inside the other, in JSON text. */
function nestedArrays(levels: number): string {
  return '['.repeat(levels) + ']'.repeat(levels);
}

/** The same as a value, built without recursion so that no depth is out of reach. */
function nestedValue(levels: number): unknown {
  let value: unknown = [];
  for (let level = 1; level < levels; level++) value = [value];
  return value;
}

function issuesOf(schema: z.ZodType, input: unknown): unknown {
  try {
    parseInput(schema, input);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('the input was accepted');
}

const schema = z.strictObject({
  name: z.string(),
  note: z.string().optional(),
  ip_allowlist: z.array(z.string()).optional(),
});
const TOO_DEEP = `must not nest deeper than ${MAX_INPUT_DEPTH} levels`;

describe('parseInput on deep and wide input', () => {
  it('refuses nesting past the cap naming the top-level field, however deep, without overflowing the stack', () => {
    for (const levels of [MAX_INPUT_DEPTH, 10_000, 100_000]) {
      expect(issuesOf(schema, { name: 'x', note: nestedValue(levels) })).toEqual([
        { field: 'note', message: TOO_DEEP },
      ]);
    }
    expect(issuesOf(schema, { name: 'x', ip_allowlist: ['10.0.0.1', nestedValue(100_000)] })).toEqual([
      { field: 'ip_allowlist', message: TOO_DEEP },
    ]);
    expect(issuesOf(schema, nestedValue(100_000))).toEqual([{ field: '(body)', message: TOO_DEEP }]);
  });

  it('leaves input within the cap to the schema', () => {
    // The body is the first level, `note` the second: MAX_INPUT_DEPTH levels in all is still fine.
    expect(issuesOf(schema, { name: 'x', note: nestedValue(MAX_INPUT_DEPTH - 1) })).toEqual([
      { field: 'note', message: expect.stringMatching(/expected string/) },
    ]);
  });

  it('still finds a NUL character anywhere, naming its path', () => {
    expect(issuesOf(schema, { name: 'x', ip_allowlist: ['10.0.0.1', '10.0.0.2\u0000'] })).toEqual([
      { field: 'ip_allowlist.1', message: 'must not contain NUL characters' },
    ]);
    expect(issuesOf(schema, { name: 'x', extra: { deeper: [1, 'a\u0000'] } })).toEqual([
      { field: 'extra.deeper.1', message: 'must not contain NUL characters' },
    ]);
  });

  it('refuses unpaired surrogates in values and keys, which the database would store as U+FFFD (found by fuzzing)', () => {
    expect(issuesOf(schema, { name: 'a\ud800b' })).toEqual([
      { field: 'name', message: 'must not contain unpaired surrogates (it must be valid Unicode)' },
    ]);
    expect(issuesOf(schema, { name: 'x', ip_allowlist: ['\udc00'] })).toEqual([
      { field: 'ip_allowlist.0', message: 'must not contain unpaired surrogates (it must be valid Unicode)' },
    ]);
    expect(issuesOf(schema, { name: 'x', extra: { 'k\ud800': 1 } })).toEqual([
      { field: 'extra', message: 'keys must not contain unpaired surrogates (it must be valid Unicode)' },
    ]);
    // A pair is one character, whatever plane it is in.
    expect(issuesOf(schema, { name: '\ud83d\ude00', note: 1 })).toEqual([
      { field: 'note', message: expect.stringMatching(/expected string/) },
    ]);
  });

  it('names at most ten unknown fields, however many were sent', () => {
    const wide = Object.fromEntries(Array.from({ length: 10_000 }, (_, index) => [`field_${index}`, index]));
    const issues = issuesOf(schema, { name: 'x', ...wide }) as { field: string; message: string }[];
    expect(issues).toEqual([
      { field: expect.stringMatching(/^field_0, field_1, .*field_9 and 9990 more$/), message: 'unknown fields' },
    ]);
    expect(issuesOf(schema, { name: 'x', colour: 'red' })).toEqual([{ field: 'colour', message: 'unknown field' }]);
  });
});

describe('the admin API on deep and wide JSON', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await startSharedServer();
    admin = await adminToken(server.url);
  });

  afterAll(async () => {
    await server?.stop();
  });

  function send(method: string, path: string, body: string): Promise<Response> {
    return fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body,
    });
  }

  /** Every operation the OpenAPI document gives a request body, with its path parameters filled in. */
  async function operationsWithBodies(): Promise<{ method: string; path: string }[]> {
    const document = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    return Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => operation.requestBody)
        .map(([method]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'does-not-exist') })),
    );
  }

  it('answers 400 naming the field, on every route that takes a body, for a field nested 10,000 levels deep', async () => {
    const routes = await operationsWithBodies();
    expect(routes.length).toBeGreaterThanOrEqual(7);
    const body = `{"note": ${nestedArrays(10_000)}}`;
    for (const { method, path } of routes) {
      const response = await send(method, path, body);
      expect({
        route: `${method} ${path}`,
        status: response.status,
        type: response.headers.get('content-type'),
      }).toEqual({
        route: `${method} ${path}`,
        status: 400,
        type: 'application/problem+json',
      });
      expect(((await response.json()) as { errors: unknown }).errors).toEqual([{ field: 'note', message: TOO_DEEP }]);
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('answers a body that is nothing but nesting with 400 (deep), 400 (unterminated) or 413 (past 64 KiB)', async () => {
    const deep = await send('POST', '/clients', nestedArrays(30_000));
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as { errors: unknown }).errors).toEqual([{ field: '(body)', message: TOO_DEEP }]);
    const unterminated = await send('POST', '/clients', '['.repeat(64 * 1024));
    expect(unterminated.status).toBe(400);
    expect(((await unterminated.json()) as { errors: unknown }).errors).toEqual([
      { field: '(body)', message: 'the body is not valid JSON' },
    ]);
    const huge = await send('POST', '/clients', '['.repeat(1024 * 1024));
    expect(huge.status).toBe(413);
    await huge.arrayBuffer();
  });

  it('answers a body of thousands of unknown fields with a short 400', async () => {
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 5_000 }, (_, index) => [`f${index}`, 0])));
    expect(wide.length).toBeLessThan(64 * 1024);
    const response = await send('POST', '/clients', wide);
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text.length).toBeLessThan(1024);
    expect((JSON.parse(text) as { errors: unknown }).errors).toContainEqual({
      field: 'f0, f1, f2, f3, f4, f5, f6, f7, f8, f9 and 4990 more',
      message: 'unknown fields',
    });
  });

  it('refuses an unpaired surrogate with 400 and stores nothing, instead of keeping U+FFFD (found by fuzzing)', async () => {
    const name = `surrogate-${Date.now()}`;
    // JSON.stringify escapes the lone surrogate as \ud800: the text on the wire is valid UTF-8.
    const response = await send('POST', '/organizations', JSON.stringify({ name: `${name}\ud800` }));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: unknown }).errors).toEqual([
      { field: 'name', message: 'must not contain unpaired surrogates (it must be valid Unicode)' },
    ]);
    const list = await api<{ items: { name: string }[] }>(server.url, admin, 'GET', '/organizations?limit=200');
    expect(list.body.items.filter((organization) => organization.name.startsWith(name))).toEqual([]);
  });
});
