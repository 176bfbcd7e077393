const POLL_MS = 100;

/**
 * Polls `probe` until it returns something other than undefined, null or false, and returns that; fails
 * with `what` once `timeoutMs` has passed. For conditions another process or timer brings about.
 */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | null | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result !== undefined && result !== null && result !== false) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
