import type { Middleware } from 'koa';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../x/errors.js';
import { readBody } from '../body.js';

const MAX_JSON_BYTES = 64 * 1024;

/** Parses JSON bodies into ctx.request.body; an empty body is `{}` so optional-body endpoints work. */
export function jsonBody(): Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'POST' || ctx.method === 'PATCH' || ctx.method === 'PUT') {
      const raw = await readBody(
        ctx.req,
        MAX_JSON_BYTES,
        () => new PayloadTooLargeError(`request body exceeds ${MAX_JSON_BYTES} bytes`),
      );
      if (raw.trim() === '') {
        ctx.request.body = {};
      } else {
        if (!ctx.is('application/json', 'application/*+json'))
          throw new UnsupportedMediaTypeError('the body must be application/json');
        try {
          ctx.request.body = JSON.parse(raw) as unknown;
        } catch {
          throw ValidationError.field('(body)', 'the body is not valid JSON');
        }
      }
    }
    await next();
  };
}

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
}
