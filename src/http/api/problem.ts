import type { ServerResponse } from 'node:http';
import type { Middleware } from 'koa';
import { z } from 'zod';
import type { Logger } from '../../observability/logger.js';
import {
  ClientClosedRequestError,
  DomainError,
  type DomainErrorCode,
  MethodNotAllowedError,
  RetryLaterError,
  ValidationError,
} from '../../x/errors.js';
import { sendText } from '../send.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Where each problem type is described (`GET` it): `{issuer}/api/v1/problems/{code}`. */
export const PROBLEM_TYPES_PATH = '/problems';

/** The problem types: `internal_error` is the one answer not raised as a DomainError. */
export type ProblemCode = DomainErrorCode | 'internal_error';

export interface ProblemType {
  readonly status: number;
  readonly title: string;
  /** What it means and what the caller can do about it. */
  readonly description: string;
}

/** The one table from error codes to RFC 9457 answers of the admin API. */
export const PROBLEM_TYPES = {
  invalid_input: {
    status: 400,
    title: 'Invalid request',
    description:
      'The request names a bad field, parameter or value; `errors` lists every one, so all can be fixed at once.',
  },
  unauthenticated: {
    status: 401,
    title: 'Unauthorized',
    description: 'No access token, or one that is invalid, expired or revoked: get a new one at the token endpoint.',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    description: 'The token is valid but its role or organization does not allow this; `detail` says who may.',
  },
  not_found: {
    status: 404,
    title: 'Not found',
    description:
      'No such resource, or one the caller may not see (other organizations’ resources are not found either).',
  },
  method_not_allowed: {
    status: 405,
    title: 'Method not allowed',
    description: 'The resource exists but does not take this method; the `Allow` header lists those it takes.',
  },
  conflict: {
    status: 409,
    title: 'Conflict',
    description:
      'The request contradicts the current state (a name taken, a role still assigned, a client without a secret).',
  },
  retry_later: {
    status: 409,
    title: 'Conflict',
    description:
      'Not now, but later: `retry_at` (and the `Retry-After` header, in seconds) say when the same request may succeed.',
  },
  payload_too_large: {
    status: 413,
    title: 'Payload too large',
    description: 'The body exceeds the size limit; the connection is closed after this answer.',
  },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported media type',
    description: 'The body must be JSON (`Content-Type: application/json`).',
  },
  dependency_unavailable: {
    status: 503,
    title: 'Service unavailable',
    description:
      'The database or the session store did not answer; retry after the `Retry-After` header. Nothing was changed.',
  },
  internal_error: {
    status: 500,
    title: 'Internal server error',
    description: 'An unexpected error; it has been logged with the request id (`X-Request-Id`).',
  },
} as const satisfies Record<ProblemCode, ProblemType>;

export const problemSchema = z.object({
  type: z
    .string()
    .describe(
      `A URI describing the problem type: GET it for its meaning ({issuer}/api/v1${PROBLEM_TYPES_PATH}/{code}).`,
    ),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  instance: z.string(),
  code: z
    .enum(Object.keys(PROBLEM_TYPES) as [ProblemCode, ...ProblemCode[]])
    .describe('The stable error code, the last segment of `type`.'),
  errors: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .optional()
    .describe('For 400s: every bad field, so a client can fix them all at once.'),
  retry_at: z.iso
    .datetime()
    .optional()
    .describe(
      'For a conflict that time resolves (e.g. POST /keys/rotate too early): when the same request may succeed. The Retry-After header says the same in seconds.',
    ),
});

/** RFC 9457 problem details, as every admin error is answered. */
type ProblemDetails = z.output<typeof problemSchema>;

/** A problem answer: the body and the headers that go with its code. */
export interface ProblemAnswer {
  readonly status: number;
  readonly body: ProblemDetails;
  readonly headers: Readonly<Record<string, string>>;
}

function headersOf(error: DomainError | undefined): Record<string, string> {
  if (error instanceof RetryLaterError) return { 'Retry-After': String(error.retryAfterSeconds) };
  if (error instanceof MethodNotAllowedError && error.allowed.length > 0) return { Allow: error.allowed.join(', ') };
  switch (error?.code) {
    case 'unauthenticated':
      return { 'WWW-Authenticate': 'Bearer realm="tollgate"' };
    case 'dependency_unavailable':
      return { 'Retry-After': '1' };
    // The rest of an oversized body is not read: the connection cannot carry another request.
    case 'payload_too_large':
      return { Connection: 'close' };
    default:
      return {};
  }
}

/** `error` as problem details; undefined is the unexpected error, answered 500 without details. */
export function problemFor(error: DomainError | undefined, instance: string, typeBase: string): ProblemAnswer {
  const code: ProblemCode = error?.code ?? 'internal_error';
  const { status, title } = PROBLEM_TYPES[code];
  const body: ProblemDetails = {
    type: `${typeBase}/${code}`,
    title,
    status,
    detail: error?.message ?? 'an unexpected error occurred; it has been logged',
    instance,
    code,
    ...(error instanceof ValidationError ? { errors: [...error.issues] } : {}),
    ...(error instanceof RetryLaterError ? { retry_at: error.retryAt.toISOString() } : {}),
  };
  return { status, body, headers: headersOf(error) };
}

/**
 * The one place admin errors become RFC 9457 problem+json; anything unexpected is a logged 500 without
 * details. `typeBase` is where problem types are described: `{issuer}/api/v1/problems`.
 */
export function problemMiddleware(logger: Logger, typeBase: string): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof ClientClosedRequestError) {
        logger.debug({ path: ctx.path, method: ctx.method }, error.message);
        return;
      }
      const known = error instanceof DomainError ? error : undefined;
      if (!known) logger.error({ err: error, path: ctx.path, method: ctx.method }, 'unexpected admin API error');
      const answer = problemFor(known, ctx.path, typeBase);
      ctx.status = answer.status;
      ctx.type = PROBLEM_CONTENT_TYPE;
      ctx.body = answer.body;
      ctx.set(answer.headers);
    }
  };
}

/** The same answer outside koa, for requests no admin route takes (unknown paths, wrong methods). */
export function sendProblem(res: ServerResponse, error: DomainError, instance: string, typeBase: string): void {
  const answer = problemFor(error, instance, typeBase);
  sendText(res, answer.status, PROBLEM_CONTENT_TYPE, JSON.stringify(answer.body), answer.headers);
}
