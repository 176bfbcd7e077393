import type { IncomingMessage } from 'node:http';
import { ClientClosedRequestError } from '../x/errors.js';

/**
 * The body as text, refused past `limit` bytes: at once when Content-Length already says so, else as
 * soon as it crosses. The rest is discarded rather than the socket destroyed, so the refusal (a 413)
 * still reaches the caller; the refusal closes the connection. A client that goes away mid-body gets
 * ClientClosedRequestError.
 */
export function readBody(req: IncomingMessage, limit: number, tooLarge: () => Error): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) refuse();
      else chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'));
    const refuse = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.resume();
      reject(tooLarge());
    };
    req.on('error', (error) => reject(new ClientClosedRequestError({ cause: error })));
    if (Number(req.headers['content-length']) > limit) {
      refuse();
      return;
    }
    req.on('data', onData);
    req.on('end', onEnd);
  });
}
