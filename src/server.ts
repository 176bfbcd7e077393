import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Application } from './app.js';
import { SERVER_TIMEOUTS } from './config/constants.js';

/** While stopping, how often connections whose last response has finished are closed. */
const DRAIN_SWEEP_MS = 50;

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish, then closes the application's pools. */
  stop(): Promise<void>;
}

/** Listens on all interfaces, IPv4 and IPv6 (`::` with dual-stack), over HTTPS with TLS_CERT_FILE. */
export async function listen(app: Application, port: number): Promise<RunningServer> {
  const options = {
    keepAliveTimeout: SERVER_TIMEOUTS.keepAliveTimeoutMs,
    requestTimeout: SERVER_TIMEOUTS.requestTimeoutMs,
    headersTimeout: SERVER_TIMEOUTS.headersTimeoutMs,
  };
  const tls = app.tls.server;
  // Client certificates are requested, never required: clients without one (secrets, private_key_jwt,
  // browsers on the console) connect as before, and mTLS methods fail closed without a certificate.
  const server: Server = tls
    ? createHttpsServer({ ...options, ...tls, requestCert: true, rejectUnauthorized: false }, app.handler)
    : createServer(options, app.handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '::', ipv6Only: false }, resolve);
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    async stop() {
      // server.close() waits for every connection to end, and a keep-alive connection only ends when
      // its client leaves. So: later requests are told Connection: close, and a sweep closes each
      // connection as soon as its request in flight has been answered. Nothing here runs per request
      // before a stop: this is the token endpoint's hot path.
      server.prependListener('request', (_req, res: ServerResponse) => res.setHeader('Connection', 'close'));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const sweep = setInterval(() => server.closeIdleConnections(), DRAIN_SWEEP_MS);
      await closed.finally(() => clearInterval(sweep));
      await app.close();
    },
  };
}
