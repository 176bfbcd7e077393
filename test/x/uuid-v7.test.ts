import { validate, version } from 'uuid';
import { uuidV7 } from '../../src/x/uuid-v7.js';

const millisecondOf = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('uuidV7', () => {
  it('makes valid RFC 9562 version 7 ids that start with the current millisecond', () => {
    const before = Date.now();
    const id = uuidV7();
    expect(validate(id)).toBe(true);
    expect(version(id)).toBe(7);
    expect(millisecondOf(id)).toBeGreaterThanOrEqual(before);
    expect(millisecondOf(id)).toBeLessThanOrEqual(Date.now());
  });

  it('counts up within one millisecond, across many refills of its entropy pool', () => {
    const ids = Array.from({ length: 5_000 }, () => uuidV7(4_000_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => millisecondOf(id) === 4_000_000_000_000)).toBe(true);
  });

  it('stays in order when the clock steps back', () => {
    const first = uuidV7(4_100_000_000_000);
    const second = uuidV7(4_099_999_999_000);
    expect(second > first).toBe(true);
    expect(millisecondOf(second)).toBe(4_100_000_000_000);
  });

  it('gives every id random bits of its own: no two of 20 000 share their last six bytes', () => {
    const tails = Array.from({ length: 20_000 }, () => uuidV7().slice(-12));
    expect(new Set(tails).size).toBe(tails.length);
  });
});
