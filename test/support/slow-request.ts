import { connect, type Socket } from 'node:net';
import type { CreatedClient } from './oauth.js';

export interface SlowRequest {
  /** Resolves once the server has answered "100 Continue": the request has reached its handler. */
  readonly inFlight: Promise<void>;
  /** Sends the body the request has held back. */
  finish(): void;
  /** Everything the server sent, once it closes the connection. */
  readonly response: Promise<string>;
}

/**
 * Sends a token request's headers with `Expect: 100-continue` and holds the body back until `finish()`.
 * The server's "100 Continue" proves the request reached its handler: it is in flight.
 */
export function startSlowTokenRequest(port: number, client: CreatedClient): SlowRequest {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: client.client_id,
    client_secret: client.client_secret,
  }).toString();
  const socket: Socket = connect(port, '127.0.0.1');
  let received = '';
  let continued: () => void;
  const inFlight = new Promise<void>((resolve) => (continued = resolve));
  const response = new Promise<string>((resolve, reject) => {
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (received.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) continued();
    });
    socket.once('close', () => resolve(received));
    socket.once('error', reject);
  });
  socket.write(
    `POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
  );
  return { inFlight, finish: () => socket.write(body), response };
}
