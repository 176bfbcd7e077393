import type { Middleware } from 'koa';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../../db/errors.js';
import { DependencyUnavailableError, DomainError, RetryLaterError, ValidationError } from '../../x/errors.js';
import type { Logger } from '../../observability/logger.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  instance: z.string(),
  errors: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .optional()
    .describe('For 400s: every bad field, so a client can fix them all at once.'),
  retry_at: z.iso
    .datetime()
    .optional()
    .describe('For a conflict that time resolves (e.g. POST /keys/rotate too early): when the same request may succeed. The Retry-After header says the same in seconds.'),
});

/** RFC 9457 problem details, as every admin error is answered. */
export type ProblemDetails = z.output<typeof problemSchema>;

/** 404/405/501 raised by the router itself. */
class RoutingError extends DomainError {
  readonly title: string;

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.title = message;
  }
}

function isKoaHttpError(error: unknown): error is { status: number; message: string; expose: boolean } {
  return typeof error === 'object' && error !== null && (error as { expose?: unknown }).expose === true && typeof (error as { status?: unknown }).status === 'number';
}

function toDomainError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (isDatabaseUnavailable(error)) return new DependencyUnavailableError('the database is unavailable; retry shortly');
  if (isKoaHttpError(error)) return new RoutingError(error.status, error.message);
  return undefined;
}

/** The one place admin errors become RFC 9457 problem+json; anything unexpected is a logged 500 without details. */
export function problemMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const domainError = toDomainError(error);
      if (!domainError) logger.error({ err: error, path: ctx.path, method: ctx.method }, 'unexpected admin API error');
      const status = domainError?.status ?? 500;
      const problem: ProblemDetails = {
        type: 'about:blank',
        title: domainError?.title ?? 'Internal server error',
        status,
        detail: domainError?.message ?? 'an unexpected error occurred; it has been logged',
        instance: ctx.path,
        ...(domainError instanceof ValidationError ? { errors: [...domainError.issues] } : {}),
        ...(domainError instanceof RetryLaterError ? { retry_at: domainError.retryAt.toISOString() } : {}),
      };
      ctx.status = status;
      ctx.type = PROBLEM_CONTENT_TYPE;
      ctx.body = problem;
      if (status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="tollgate"');
      if (status === 503) ctx.set('Retry-After', '1');
      if (domainError instanceof RetryLaterError) ctx.set('Retry-After', String(domainError.retryAfterSeconds));
      // The rest of an oversized body is not read: the connection cannot carry another request.
      if (status === 413) ctx.set('Connection', 'close');
    }
  };
}
