import { connect } from 'node:net';

/** A request written byte for byte: no client library normalises, validates or completes it. */
export interface RawRequest {
  readonly method: string;
  /** The request target exactly as sent (path, query, odd spellings). */
  readonly target: string;
  /** In order, repeated names allowed; values are written as latin1 bytes. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /**
   * Content-Length as declared. When it exceeds the body, the request is truncated: the client goes away
   * mid-body (after `abandonAfterMs`) and the answer is status 0.
   */
  readonly declaredLength?: number;
}

export interface RawResponse {
  /** 0 when the server closed the connection without an answer. */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd === -1) break;
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function parseResponse(raw: Buffer): RawResponse {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd === -1) return { status: 0, headers: {}, body: raw.toString('utf8') };
  const [statusLine, ...lines] = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = raw.subarray(headEnd + 4);
  const body = headers['transfer-encoding'] === 'chunked' ? dechunk(rest) : rest;
  return {
    status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0),
    headers,
    body: body.toString('utf8'),
  };
}

/** How long a client that sent a truncated body waits before going away. */
const ABANDON_AFTER_MS = 20;

/**
 * Sends one request on a fresh connection (`Connection: close`) and reads until the server closes it.
 * Rejects when no answer has come within `timeoutMs`: a hang. The client never half-closes: Node's
 * server treats a half-close as the client going away.
 */
export function sendRaw(port: number, request: RawRequest, timeoutMs: number): Promise<RawResponse> {
  const length = request.declaredLength ?? request.body.length;
  const head = [
    `${request.method} ${request.target} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    ...request.headers.map(([name, value]) => `${name}: ${value}`),
    ...(length > 0 || request.method === 'POST' ? [`Content-Length: ${length}`] : []),
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${request.method} ${request.target}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer (the server refused an oversized body) still leaves the answer read.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseResponse(Buffer.concat(chunks)));
    });
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), request.body]));
    if (length > request.body.length) setTimeout(() => socket.destroy(), ABANDON_AFTER_MS);
  });
}
