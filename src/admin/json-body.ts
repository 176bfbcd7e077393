import type { Middleware } from 'koa';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors.js';

const MAX_JSON_BYTES = 64 * 1024;

async function readRaw(req: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES) throw new PayloadTooLargeError(`request body exceeds ${MAX_JSON_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses JSON bodies into ctx.request.body; an empty body is `{}` so optional-body endpoints work. */
export function jsonBody(): Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'POST' || ctx.method === 'PATCH' || ctx.method === 'PUT') {
      const raw = await readRaw(ctx.req);
      if (raw.trim() === '') {
        ctx.request.body = {};
      } else {
        if (!ctx.is('application/json', 'application/*+json')) throw new UnsupportedMediaTypeError('the body must be application/json');
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
