import { ConfigError } from '../config/errors.js';
import { DataDirInUseError } from '../db/data-dir-lock.js';
import { DataDirPermissionError } from '../db/data-dir-permissions.js';
import { DomainError, ValidationError, type FieldIssue } from '../x/errors.js';
import { KeyEncryptionKeyError } from '../keys/errors.js';
import { UsageError, type CliCommand } from './command.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CliFailure {
  readonly exitCode: number;
  readonly message: string;
  readonly issues?: readonly FieldIssue[];
  /** Set when the command line itself was wrong, to show that command's usage. */
  readonly usageOf?: CliCommand | 'all';
  /** Not the user's doing: worth a debug log with the stack. */
  readonly unexpected?: boolean;
}

/** Postgres SQLSTATEs and socket errors that mean "the database is not there or not ours", not a bug. */
const DATABASE_UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '28P01', '28000', '3D000']);
const UNDEFINED_TABLE = '42P01';

/** An option name as the user typed it, for an API field name in a validation issue (`ip_allowlist.2`). */
function asOption(issue: FieldIssue, command: CliCommand): FieldIssue {
  const [field, ...rest] = issue.field.split('.');
  const option = field!.replace(/_/g, '-');
  if (!command.options?.[option]) return issue;
  return { field: `--${option}${rest.length ? ` (entry ${Number(rest[0]) + 1})` : ''}`, message: issue.message };
}

/** Turns whatever a command threw into a message for people: never a stack trace for a user's mistake. */
export function describeFailure(error: unknown, command: CliCommand | undefined): CliFailure {
  if (error instanceof UsageError) return { exitCode: EXIT_USAGE, message: error.message, usageOf: error.command ?? 'all' };
  if (error instanceof ValidationError) {
    const issues = command ? error.issues.map((issue) => asOption(issue, command)) : error.issues;
    const described = issues.map((issue) => (issue.field === '(body)' ? issue.message : `${issue.field}: ${issue.message}`));
    return { exitCode: EXIT_FAILURE, message: `invalid input: ${described.join('; ')}`, issues };
  }
  if (error instanceof DomainError) return { exitCode: EXIT_FAILURE, message: error.message };
  if (error instanceof ConfigError) return { exitCode: EXIT_FAILURE, message: `invalid configuration: ${error.message}` };
  if (error instanceof DataDirInUseError || error instanceof DataDirPermissionError || error instanceof KeyEncryptionKeyError) return { exitCode: EXIT_FAILURE, message: error.message };
  const code = (error as { code?: unknown } | null)?.code;
  if (code === UNDEFINED_TABLE) {
    return { exitCode: EXIT_FAILURE, message: 'the database has no Tollgate schema yet: run the `migrate` command first (or start the server once)' };
  }
  const message = error instanceof Error ? error.message || error.name : String(error);
  if ((typeof code === 'string' && DATABASE_UNREACHABLE.has(code)) || (error instanceof Error && error.name === 'KnexTimeoutError')) {
    return { exitCode: EXIT_FAILURE, message: `cannot use the database: ${message}` };
  }
  return { exitCode: EXIT_FAILURE, message: `unexpected error: ${message}`, unexpected: true };
}
