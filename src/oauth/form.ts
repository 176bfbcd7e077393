import type { IncomingMessage } from 'node:http';
import { readBody } from '../http/body.js';
import { InvalidRequestError, RequestTooLargeError } from './errors.js';

const MAX_FORM_BYTES = 16 * 1024;

/**
 * An application/x-www-form-urlencoded body as a map. Parameters sent twice are refused
 * (RFC 6749 §3.2: "Request and response parameters MUST NOT be included more than once").
 */
export async function readForm(req: IncomingMessage): Promise<Map<string, string>> {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') {
    throw new InvalidRequestError('the body must be application/x-www-form-urlencoded');
  }
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(
    await readBody(req, MAX_FORM_BYTES, () => new RequestTooLargeError(MAX_FORM_BYTES)),
  )) {
    if (params.has(name)) throw new InvalidRequestError(`parameter ${name} must not be sent more than once`);
    params.set(name, value);
  }
  return params;
}
