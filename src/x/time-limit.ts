import { TollgateError } from './errors.js';

/** Thrown when a dependency check or a collection does not finish in time. */
class TimeLimitExceededError extends TollgateError {
  readonly code = 'time_limit_exceeded';

  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
  }
}

/** Settles with `work`, or rejects after `ms`; the work itself carries on, bounded by its own timeouts. */
export function withTimeLimit<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeLimitExceededError(what, ms)), ms);
  });
  return Promise.race([work, expiry]).finally(() => clearTimeout(timer));
}
