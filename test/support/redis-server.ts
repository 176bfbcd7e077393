import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './server.js';

export interface PrivateRedis {
  readonly url: string;
  /** Kills the server (SIGKILL, like a crash) and waits for it to be gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty, and waits until it answers. */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing answers, like a host lost behind a network fault. */
  freeze(): void;
  thaw(): void;
}

async function startOn(port: number): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const probe = new Redis(`redis://127.0.0.1:${port}/0`, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
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
  return { child, exited };
}

/** A throwaway redis-server on a free port, for tests that take Redis away. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let server = await startOn(port);
  return {
    url: `redis://127.0.0.1:${port}/0`,
    async kill() {
      server.child.kill('SIGKILL');
      await server.exited;
    },
    async restart() {
      server = await startOn(port);
    },
    freeze: () => server.child.kill('SIGSTOP'),
    thaw: () => server.child.kill('SIGCONT'),
  };
}
