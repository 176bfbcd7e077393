import { TollgateError } from '../x/errors.js';
import type { CliContext } from './context.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** Shown by `help`, e.g. `comma-separated addresses or CIDRs; "" for none`. */
  readonly description: string;
}

export interface CommandInput {
  readonly positionals: readonly string[];
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
}

/** What a command prints: `data` with --json, `text` for people. */
interface CommandOutput {
  readonly data: unknown;
  readonly text: string;
}

/**
 * One CLI command. Commands are thin: they turn arguments into the same input the admin API accepts
 * and call the same service, so every rule lives in one place.
 */
export interface CliCommand {
  /** The words that select it, e.g. `clients create`. */
  readonly name: string;
  readonly summary: string;
  /** Positional arguments in order, e.g. `<client_id>`; each is required. */
  readonly args?: readonly string[];
  readonly options?: Readonly<Record<string, OptionSpec>>;
  run(context: CliContext, input: CommandInput): Promise<CommandOutput>;
}

/** Thrown for a malformed command line: exit code 2 and the command's usage. */
export class UsageError extends TollgateError {
  readonly code = 'usage';

  constructor(
    message: string,
    readonly command?: CliCommand,
  ) {
    super(message);
  }
}
