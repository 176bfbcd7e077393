import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { type CliCommand, type CommandInput, UsageError } from './command.js';
import { COMMANDS } from './commands/index.js';
import { CliContext } from './context.js';
import { type CliFailure, describeFailure } from './errors.js';

const PROGRAM = 'npm run cli --';

/** If something keeps the event loop alive after the command is done, the exit code still gets out. */
const EXIT_GRACE_MS = 2_000;

function usageOf(command: CliCommand): string {
  const args = command.args?.length ? ` ${command.args.join(' ')}` : '';
  const flags = Object.entries(command.options ?? {}).map(
    ([name, spec]) => [`--${name}${spec.type === 'string' ? ' <value>' : ''}`, spec.description] as const,
  );
  const width = Math.max(0, ...flags.map(([flag]) => flag.length));
  const options = flags.map(([flag, description]) => `    ${flag.padEnd(width)}  ${description}`);
  return [
    `usage: ${PROGRAM} ${command.name}${args}${options.length ? ' [options]' : ''} [--json]`,
    `  ${command.summary}`,
    ...options,
  ].join('\n');
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    `usage: ${PROGRAM} <command> [arguments] [--json]`,
    '',
    'Works on the database directly (DATABASE_URL, or the embedded one in DATA_DIR while no server uses it).',
    "--json prints machine-readable output; `<command> --help` shows a command's options.",
    '',
    'commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
  ].join('\n');
}

/** The command is named by its leading words (`clients create`); everything after is parsed against its options. */
function parseCommandLine(argv: readonly string[]): { command: CliCommand; input: CommandInput; help: boolean } | null {
  if (argv.length === 0 || ['help', '--help', '-h'].includes(argv[0]!)) return null;
  const command = COMMANDS.find((candidate) => {
    const words = candidate.name.split(' ');
    return words.every((word, i) => argv[i] === word);
  });
  if (!command)
    throw new UsageError(
      `unknown command: ${
        argv
          .filter((arg) => !arg.startsWith('-'))
          .slice(0, 2)
          .join(' ') || argv[0]
      }`,
    );
  const parsed = parseCommandOptions(command, argv);
  const help = parsed.values.help === true;
  const expected = command.args?.length ?? 0;
  if (!help && parsed.positionals.length !== expected) {
    throw new UsageError(
      expected ? `expected ${command.args!.join(' ')}` : `unexpected argument: ${parsed.positionals[0]}`,
      command,
    );
  }
  return { command, input: { positionals: parsed.positionals, options: parsed.values }, help };
}

function parseCommandOptions(command: CliCommand, argv: readonly string[]) {
  try {
    return parseArgs({
      args: argv.slice(command.name.split(' ').length),
      options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node's message goes on about positionals starting with '-'; its first sentence is the point.
    throw new UsageError((error as Error).message.split('. ')[0]!, command);
  }
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(`${text}\n`, () => resolve()));
}

async function reportFailure(failure: CliFailure, json: boolean): Promise<void> {
  if (json) {
    await write(
      process.stderr,
      JSON.stringify({ error: { message: failure.message, ...(failure.issues ? { issues: failure.issues } : {}) } }),
    );
    return;
  }
  const usage = failure.usageOf === 'all' ? overview() : failure.usageOf ? usageOf(failure.usageOf) : '';
  await write(process.stderr, `tollgate: ${failure.message}${usage ? `\n\n${usage}` : ''}`);
}

async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  let command: CliCommand | undefined;
  let context: CliContext | undefined;
  let logger: Logger | undefined;
  try {
    const line = parseCommandLine(argv);
    if (!line || line.help) {
      await write(process.stdout, line ? usageOf(line.command) : overview());
      return 0;
    }
    command = line.command;
    const config = loadConfig();
    // Audit events reach the database; their log lines would only clutter a terminal unless asked for.
    logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn', 2);
    context = new CliContext(config, logger);
    const output = await command.run(context, line.input);
    await write(process.stdout, json ? JSON.stringify(output.data, null, 2) : output.text);
    return 0;
  } catch (error) {
    const failure = describeFailure(error, command);
    if (failure.unexpected) logger?.debug({ err: error }, 'CLI command failed');
    await reportFailure(failure, json);
    return failure.exitCode;
  } finally {
    await context
      ?.close()
      .catch((error: unknown) => logger?.warn({ err: error }, 'could not close the database cleanly'));
  }
}

process.exitCode = await main(process.argv.slice(2));
setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
