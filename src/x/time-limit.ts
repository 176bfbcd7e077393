import { TollgateError } from './errors.js';

/** Thrown when a dependency check or a collection does not finish in time. */
class TimeLimitExceededError extends TollgateError {
  readonly code = 'time_limit_exceeded';

  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
  }
}

/**
 * Settles with `work`, or rejects after `ms`; the work itself carries on, bounded by its own timeouts.
 * One promise and one timer per call, no race or finally around them: the token endpoint makes two such
 * calls per token.
 */
export function withTimeLimit<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeLimitExceededError(what, ms)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
