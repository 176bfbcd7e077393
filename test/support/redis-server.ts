import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './server.js';

export interface PrivateRedis {
  readonly url: string;
  /** Kills the server (SIGKILL, like a crash) and waits for it to be gone. */
  kill(): Promise<void>;
}

/** A throwaway redis-server on a free port, for tests that take Redis away. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}/0`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  for (let attempt = 0; ; attempt += 1) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (error) {
      if (attempt >= 50) {
        child.kill('SIGKILL');
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  probe.disconnect();
  return {
    url,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
