import { ConfigError } from '../config/errors.js';
import { DependencyUnavailableError, type FieldIssue, TollgateError, ValidationError } from '../x/errors.js';
import { type CliCommand, UsageError } from './command.js';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

export interface CliFailure {
  readonly exitCode: number;
  readonly message: string;
  readonly issues?: readonly FieldIssue[];
  /** Set when the command line itself was wrong, to show that command's usage. */
  readonly usageOf?: CliCommand | 'all';
  /** Not the user's doing: worth a debug log with the stack. */
  readonly unexpected?: boolean;
}

/** An option name as the user typed it, for an API field name in a validation issue (`ip_allowlist.2`). */
function asOption(issue: FieldIssue, command: CliCommand): FieldIssue {
  const [field, ...rest] = issue.field.split('.');
  const option = field!.replace(/_/g, '-');
  if (!command.options?.[option]) return issue;
  return { field: `--${option}${rest.length ? ` (entry ${Number(rest[0]) + 1})` : ''}`, message: issue.message };
}

/** Turns whatever a command threw into a message for people: never a stack trace for a user's mistake. */
export function describeFailure(error: unknown, command: CliCommand | undefined): CliFailure {
  if (error instanceof UsageError)
    return { exitCode: EXIT_USAGE, message: error.message, usageOf: error.command ?? 'all' };
  if (error instanceof ValidationError) {
    const issues = command ? error.issues.map((issue) => asOption(issue, command)) : error.issues;
    const described = issues.map((issue) =>
      issue.field === '(body)' ? issue.message : `${issue.field}: ${issue.message}`,
    );
    return { exitCode: EXIT_FAILURE, message: `invalid input: ${described.join('; ')}`, issues };
  }
  if (error instanceof DependencyUnavailableError && error.dependency === 'database') {
    return { exitCode: EXIT_FAILURE, message: `cannot use the database: ${causeOf(error)}` };
  }
  if (error instanceof ConfigError)
    return { exitCode: EXIT_FAILURE, message: `invalid configuration: ${error.message}` };
  if (error instanceof TollgateError) return { exitCode: EXIT_FAILURE, message: error.message };
  const message = error instanceof Error ? error.message || error.name : String(error);
  return { exitCode: EXIT_FAILURE, message: `unexpected error: ${message}`, unexpected: true };
}

/** What the driver said, which tells the user more (ECONNREFUSED, a refused password) than "unavailable". */
function causeOf(error: Error): string {
  const cause = error.cause;
  return cause instanceof Error ? cause.message || cause.name : error.message;
}
