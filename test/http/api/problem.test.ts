import { PROBLEM_TYPES, problemFor } from '../../../src/http/api/problem.js';
import {
  ConflictError,
  DependencyUnavailableError,
  type DomainError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  RetryLaterError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../../src/x/errors.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const BASE = 'https://tollgate.example/api/v1/problems';

/** Statuses and headers written out here rather than read from src. */
const EXPECTED: readonly [DomainError, number, Record<string, string>][] = [
  [ValidationError.field('name', 'required'), 400, {}],
  [new UnauthenticatedError('no token'), 401, { 'WWW-Authenticate': 'Bearer realm="tollgate"' }],
  [new ForbiddenError('not yours'), 403, {}],
  [new NotFoundError('no such client'), 404, {}],
  [new MethodNotAllowedError('read only', ['GET', 'HEAD']), 405, { Allow: 'GET, HEAD' }],
  [new ConflictError('name taken'), 409, {}],
  [new RetryLaterError('too early', new Date('2030-01-01T00:00:00Z'), 42), 409, { 'Retry-After': '42' }],
  [new PayloadTooLargeError('too big'), 413, { Connection: 'close' }],
  [new UnsupportedMediaTypeError('not JSON'), 415, {}],
  [new DependencyUnavailableError('database', 'down'), 503, { 'Retry-After': '1' }],
];

describe('the problem table', () => {
  it.each(EXPECTED)(
    'answers %p with its status, its code, and a type URI that names the code',
    (error, status, headers) => {
      const answer = problemFor(error, '/api/v1/x', BASE);
      expect(answer.status).toBe(status);
      expect(answer.headers).toEqual(headers);
      expect(answer.body).toMatchObject({
        status,
        code: error.code,
        type: `${BASE}/${error.code}`,
        detail: error.message,
        instance: '/api/v1/x',
      });
    },
  );

  it('carries the fields of a validation error and the time of a retry', () => {
    expect(problemFor(ValidationError.field('name', 'required'), '/', BASE).body.errors).toEqual([
      { field: 'name', message: 'required' },
    ]);
    expect(problemFor(new RetryLaterError('later', new Date('2030-01-01T00:00:00Z'), 1), '/', BASE).body.retry_at).toBe(
      '2030-01-01T00:00:00.000Z',
    );
  });

  it('answers an unexpected error 500 without details', () => {
    expect(problemFor(undefined, '/', BASE).body).toMatchObject({
      status: 500,
      code: 'internal_error',
      detail: 'an unexpected error occurred; it has been logged',
    });
  });

  it('has one entry for every code, and the tests above cover each', () => {
    expect(Object.keys(PROBLEM_TYPES).sort()).toEqual(
      [...EXPECTED.map(([error]) => error.code), 'internal_error'].sort(),
    );
  });
});

describe('problem type URIs', () => {
  let server: TestServer | undefined;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('resolve: every type a problem names describes itself at its own URI', async () => {
    const list = (await (await fetch(`${server!.url}/api/v1/problems`)).json()) as {
      items: { type: string; code: string; status: number }[];
    };
    expect(list.items.map((item) => item.code).sort()).toEqual(Object.keys(PROBLEM_TYPES).sort());
    for (const item of list.items) {
      const response = await fetch(item.type);
      expect({ code: item.code, status: response.status }).toEqual({ code: item.code, status: 200 });
      expect(await response.json()).toMatchObject({ type: item.type, code: item.code, status: item.status });
    }
  });

  it('are what real answers carry', async () => {
    const response = await fetch(`${server!.url}/api/v1/clients`);
    const body = (await response.json()) as { type: string; code: string };
    expect({ status: response.status, code: body.code }).toEqual({ status: 401, code: 'unauthenticated' });
    expect((await fetch(body.type)).status).toBe(200);
    expect((await fetch(`${server!.url}/api/v1/problems/no_such_code`)).status).toBe(404);
  });
});
