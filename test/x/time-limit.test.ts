import { withTimeLimit } from '../../src/x/time-limit.js';

describe('withTimeLimit', () => {
  it("settles with the work's value or error when the work settles in time", async () => {
    await expect(withTimeLimit(Promise.resolve(42), 1_000, 'the answer')).resolves.toBe(42);
    await expect(withTimeLimit(Promise.reject(new Error('refused')), 1_000, 'the answer')).rejects.toThrow('refused');
  });

  it('rejects with time_limit_exceeded, naming what was awaited, when the work does not settle in time', async () => {
    const never = new Promise<never>(() => undefined);
    await expect(withTimeLimit(never, 20, 'the session store')).rejects.toMatchObject({
      code: 'time_limit_exceeded',
      message: 'the session store did not answer within 20 ms',
    });
  });
});
