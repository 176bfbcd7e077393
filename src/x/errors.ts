/**
 * Tollgate's errors. Each carries a stable `code` (part of the public contract: callers, logs and the
 * CLI may branch on it) and says what went wrong in domain terms; none knows about HTTP. Exactly two
 * tables turn codes into answers: OAuth errors (RFC 6749 §5.2, oauth/respond.ts) and problem details
 * (RFC 9457, http/api/problem.ts).
 */
export abstract class TollgateError<Code extends string = ErrorCode> extends Error {
  abstract readonly code: Code;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** What a service refuses, as the admin API and the CLI report it; http/api/problem.ts maps each to a status. */
export type DomainErrorCode =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'retry_later'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'dependency_unavailable';

/** Why the process cannot start or go on; the message names the setting or file to fix. */
export type StartupErrorCode =
  | 'invalid_configuration'
  | 'data_dir_in_use'
  | 'data_dir_permissions'
  | 'key_encryption_key'
  | 'initial_admin_credentials'
  | 'database_schema_missing'
  | 'database_result_invalid';

/** Every code of an error that is not an OAuth error (those are oauth/errors.ts's OAuthErrorCode). */
export type ErrorCode =
  | DomainErrorCode
  | StartupErrorCode
  | 'usage'
  | 'time_limit_exceeded'
  | 'session_limit_reached'
  | 'issuance_rate_exceeded';

export abstract class DomainError extends TollgateError<DomainErrorCode> {}

/** A process-level failure: printed as its message, without a stack, by the server and the CLI. */
export class StartupError extends TollgateError<StartupErrorCode> {
  constructor(
    readonly code: StartupErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export class ValidationError extends DomainError {
  readonly code = 'invalid_input';
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly FieldIssue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '));
    this.issues = issues;
  }

  static field(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'unauthenticated';
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
}

export class MethodNotAllowedError extends DomainError {
  readonly code = 'method_not_allowed';

  constructor(
    message: string,
    /** The methods the resource does take, for the Allow header. */
    readonly allowed: readonly string[],
  ) {
    super(message);
  }
}

export class ConflictError extends DomainError {
  readonly code = 'conflict';
}

/**
 * A conflict that time resolves: the answer says when the same request may succeed, as `Retry-After`
 * (seconds) and as `retry_at` in the problem body.
 */
export class RetryLaterError extends DomainError {
  readonly code = 'retry_later';

  constructor(
    message: string,
    readonly retryAt: Date,
    /** At least 1, counted from the clock that decided (the database's, for keys). */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class PayloadTooLargeError extends DomainError {
  readonly code = 'payload_too_large';
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly code = 'unsupported_media_type';
}

/** The service a request needs. */
export type Dependency = 'database' | 'session_store' | 'rate_limit_store' | 'replay_cache' | 'redis';

/**
 * A dependency did not answer (or answered that it cannot serve): the caller should retry shortly, and
 * the answer is 503, never a guess. Raised once, where the dependency is called (src/db's driver clients,
 * the Redis stores), so nothing above inspects driver errors.
 */
export class DependencyUnavailableError extends DomainError {
  readonly code = 'dependency_unavailable';

  constructor(
    readonly dependency: Dependency,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
