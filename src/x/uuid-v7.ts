import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

/**
 * Entropy is drawn from the system this many bytes at a time. The uuid package's own v7 draws 16 bytes
 * per id through WebCrypto's getRandomValues, which cost 4.8 µs per id against 0.3 µs from the pool
 * (a million ids each, Node 20): the audit trail stamps one id per token.
 */
const POOL_BYTES = 4_096;
const ID_BYTES = 16;
const pool = new Uint8Array(POOL_BYTES);
let used = POOL_BYTES;

/** The next 16 unused bytes of the pool; valid until the pool is refilled, so read them at once. */
function nextRandomBytes(): Uint8Array {
  if (used === POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const bytes = pool.subarray(used, used + ID_BYTES);
  used += ID_BYTES;
  return bytes;
}

/** The millisecond and 32-bit counter of the last id (RFC 9562 §6.2, method 1: a dedicated counter). */
const last = { msecs: Number.NEGATIVE_INFINITY, seq: 0 };

/**
 * An RFC 9562 version 7 UUID, monotonic within the process: within one millisecond the counter counts
 * up from a random start (its top bit clear, so it has room to count), and should it wrap the id moves
 * to the next millisecond, as the uuid package's own v7 does; a clock that steps back cannot reorder ids
 * either. The layout and text are the uuid package's.
 */
export function uuidV7(now = Date.now()): string {
  const random = nextRandomBytes();
  if (now > last.msecs) {
    last.msecs = now;
    last.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    last.seq = (last.seq + 1) | 0;
    if (last.seq === 0) last.msecs += 1;
  }
  return v7({ random, msecs: last.msecs, seq: last.seq });
}
