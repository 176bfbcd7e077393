import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Application } from './app.js';

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish, then closes the application's pools. */
  stop(): Promise<void>;
}

/** Listens on all interfaces, IPv4 and IPv6 (`::` with dual-stack). */
export async function listen(app: Application, port: number): Promise<RunningServer> {
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 30_000, headersTimeout: 20_000 }, app.handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '::', ipv6Only: false }, resolve);
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await app.close();
    },
  };
}
