import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { ClientClosedRequestError } from '../x/errors.js';

/**
 * The body as UTF-8 text (raw-body), refused past `limit` bytes: at once when Content-Length already
 * says so, else as soon as it crosses. raw-body pauses the request when it refuses; the rest is then
 * discarded rather than the socket destroyed, so the refusal (a 413) still reaches the caller; the
 * refusal closes the connection. A client that goes away mid-body gets ClientClosedRequestError.
 */
export async function readBody(req: IncomingMessage, limit: number, tooLarge: () => Error): Promise<string> {
  try {
    return await getRawBody(req, { limit, length: req.headers['content-length'], encoding: 'utf8' });
  } catch (error) {
    const type = (error as { type?: unknown }).type;
    if (type === 'request.aborted') throw new ClientClosedRequestError({ cause: error });
    if (type !== 'entity.too.large') throw error;
    req.resume();
    throw tooLarge();
  }
}
