import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../../src/config/config.js';
import { waitFor } from './poll.js';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, freePort, TEST_KEY_ENCRYPTION_KEY } from './server.js';

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
    execFile(
      process.execPath,
      [CLI_MAIN, ...args],
      { env: isolatedEnv(env), cwd, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
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
 * that it listens; rejected with its exit code and output if it exits first. With `stdoutFd`, its stdout
 * is that file descriptor instead of a pipe read here, and it counts as started once /healthz on PORT
 * answers.
 */
export async function spawnServer(env: Environment, cwd?: string, stdoutFd?: number): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER_MAIN], {
    env: isolatedEnv(env),
    cwd,
    stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    stdout += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening =
    stdoutFd === undefined ? async () => output.includes('"msg":"listening"') : () => answersHealthz(env.PORT!);
  try {
    // A first start runs initdb, which takes 20 s and more on a machine shared by several test runs.
    await waitFor('the server to listen', 45_000, async () => (await listening()) || child.exitCode !== null);
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

/**
 * Starts the server as a person does in a terminal, stops it with SIGTERM once it listens, and returns
 * everything the terminal showed. util-linux `script` gives it a pseudo-terminal as stdin, stdout and
 * stderr.
 */
export async function runServerOnTerminal(env: Environment, cwd: string): Promise<string> {
  const command = `exec "${process.execPath}" "${SERVER_MAIN}"`;
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    env: isolatedEnv(env),
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let shown = '';
  child.stdout!.on('data', (chunk: Buffer) => (shown += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listeningPid = () => /"pid":(\d+),[^\n]*"msg":"listening"/.exec(shown)?.[1];
  try {
    // A first start runs initdb, which takes 20 s and more on a machine shared by several test runs.
    await waitFor('the server to listen', 45_000, async () => listeningPid() !== undefined || child.exitCode !== null);
    const pid = listeningPid();
    if (pid === undefined) throw new Error(`exited with ${child.exitCode}`);
    process.kill(Number(pid), 'SIGTERM');
    await exited;
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`server did not run (${(error as Error).message}):\n${shown}`);
  }
  return shown;
}

export interface Tollgate {
  readonly url: string;
  readonly port: number;
  readonly process: ServerProcess;
}

/**
 * The real compiled server, as `npm start` runs it, in a child process on a free port, with the test
 * admin's credentials and key-encryption key. `stdoutFd` as for spawnServer.
 */
export async function spawnTollgate(env: Environment, stdoutFd?: number): Promise<Tollgate> {
  const port = await freePort();
  const process = await spawnServer(
    {
      PORT: String(port),
      ISSUER: `http://127.0.0.1:${port}`,
      INITIAL_ADMIN_CLIENT_ID: ADMIN_CLIENT_ID,
      INITIAL_ADMIN_CLIENT_SECRET: ADMIN_CLIENT_SECRET,
      KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
      SIGNING_ALG: 'ES256',
      LOG_LEVEL: 'info',
      ...env,
    },
    undefined,
    stdoutFd,
  );
  return { url: `http://127.0.0.1:${port}`, port, process };
}

/** How many log lines so far carry this message. */
export const logCount = (tollgate: Tollgate, message: string) =>
  tollgate.process.output().split(`"msg":"${message}`).length - 1;

async function answersHealthz(port: string): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  } catch {
    return false;
  }
}

/**
 * Whether the process still runs. A process that has exited but whose parent is gone may stay a zombie
 * when nothing reaps orphans (a container's init may not); on Linux that counts as gone.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}
