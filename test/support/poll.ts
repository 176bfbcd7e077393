/**
 * Calls `probe` until `done` holds for its result or `timeoutMs` passes, and returns the last result, so
 * the caller's assertion shows what was seen when the condition never came.
 */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const isSomething = <T>(value: T | undefined | null | false): value is T =>
  value !== undefined && value !== null && value !== false;

/**
 * Polls `probe` until it returns something other than undefined, null or false, and returns that; fails
 * naming `what` once `timeoutMs` has passed. For conditions another process or timer brings about.
 */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined | null | false>,
): Promise<T> {
  const value = await pollUntil(probe, isSomething, timeoutMs, 100);
  if (!isSomething(value)) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  return value;
}
