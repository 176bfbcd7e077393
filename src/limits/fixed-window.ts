interface Window {
  count: number;
  readonly endsAt: number;
}

/** Bounds memory whatever keys callers make up; the oldest window goes first. */
const MAX_WINDOWS = 100_000;

/**
 * In-process fixed-window counters, the single-node twin of Redis `INCR` + `PEXPIRE`: a window starts
 * at its key's first hit and lasts `windowMs`. Windows are kept in creation order, so expired ones are
 * dropped from the front as new ones arrive, without a timer.
 */
export class FixedWindowCounters {
  private readonly windows = new Map<string, Window>();

  /** The count in the key's current window and the milliseconds until that window ends. */
  peek(key: string, now = Date.now()): { count: number; remainingMs: number } {
    const window = this.windows.get(key);
    return window && window.endsAt > now
      ? { count: window.count, remainingMs: window.endsAt - now }
      : { count: 0, remainingMs: 0 };
  }

  increment(key: string, windowMs: number, now = Date.now()): number {
    this.dropExpired(now);
    const window = this.windows.get(key);
    if (window && window.endsAt > now) {
      window.count += 1;
      return window.count;
    }
    this.windows.delete(key);
    if (this.windows.size >= MAX_WINDOWS) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(key, { count: 1, endsAt: now + windowMs });
    return 1;
  }

  /** Gives back one hit of the key's current window, if it still has one. */
  decrement(key: string, now = Date.now()): void {
    const window = this.windows.get(key);
    if (window && window.endsAt > now && window.count > 0) window.count -= 1;
  }

  private dropExpired(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.endsAt > now) return;
      this.windows.delete(key);
    }
  }
}
