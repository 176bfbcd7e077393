/**
 * Errors the services throw. Each names what went wrong in domain terms; one middleware per protocol maps
 * them to HTTP (problem+json for the admin API).
 */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  readonly status = 400;
  readonly title = 'Invalid request';
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
  readonly status = 401;
  readonly title = 'Unauthorized';
}

export class ForbiddenError extends DomainError {
  readonly status = 403;
  readonly title = 'Forbidden';
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly title = 'Not found';
}

export class ConflictError extends DomainError {
  readonly status = 409;
  readonly title = 'Conflict';
}

/**
 * A conflict that time resolves: the answer says when the same request may succeed, as `Retry-After`
 * (seconds) and as `retry_at` in the problem body.
 */
export class RetryLaterError extends ConflictError {
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
  readonly status = 413;
  readonly title = 'Payload too large';
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
  readonly title = 'Unsupported media type';
}

export class DependencyUnavailableError extends DomainError {
  readonly status = 503;
  readonly title = 'Service unavailable';
}
