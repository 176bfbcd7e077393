import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../../src/config/config.js';
import { waitFor } from './poll.js';

/** The compiled entry points, as `npm start` and `npm run cli` run them. */
const SERVER_MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Only what is given, so a developer's own DATABASE_URL or REDIS_URL never leaks into a test. */
function isolatedEnv(env: Environment): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], env: Environment, cwd?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI_MAIN, ...args], { env: isolatedEnv(env), cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

export interface ServerProcess {
  readonly child: ChildProcess;
  /** stdout and stderr as they came. */
  output(): string;
  stdout(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `node dist/src/main.js` as a child process (as `npm start` runs it, from `cwd`), resolved once it logs
 * that it listens; rejected with its exit code and output if it exits first.
 */
export async function spawnServer(env: Environment, cwd?: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER_MAIN], { env: isolatedEnv(env), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    stdout += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitFor('the server to listen', 20_000, async () => output.includes('"msg":"listening"') || child.exitCode !== null);
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`server did not start (${(error as Error).message}):\n${output}`);
  }
  return {
    child,
    output: () => output,
    stdout: () => stdout,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
