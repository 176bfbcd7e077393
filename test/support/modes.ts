import type { Environment } from '../../src/config/config.js';
import type { Logger } from '../../src/observability/logger.js';
import { startTestServer, type TestServer } from './server.js';
import { createTestDatabase, REDIS_URL } from './services.js';

export interface ServerMode {
  readonly name: string;
  /** A server in this mode; stopping it also drops what the mode created for it. */
  start(env?: Environment, logger?: Logger): Promise<TestServer>;
}

/** A server in shared mode on a fresh database of its own, which stopping the server drops. */
export async function startSharedServer(env: Environment = {}, logger?: Logger): Promise<TestServer> {
  const database = await createTestDatabase();
  const server = await startTestServer({ DATABASE_URL: database.url, REDIS_URL, ...env }, logger);
  return {
    ...server,
    async stop() {
      await server.stop();
      await database.drop();
    },
  };
}

/** The two ways Tollgate runs: features are tested in both (`describe.each(SERVER_MODES)`). */
export const SERVER_MODES: readonly ServerMode[] = [
  { name: 'shared mode (Postgres + Redis)', start: startSharedServer },
  {
    name: 'embedded default (PGlite + in-process sessions)',
    start: (env = {}, logger?: Logger) => startTestServer(env, logger),
  },
];
