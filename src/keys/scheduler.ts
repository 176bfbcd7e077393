import type { Logger } from '../observability/logger.js';
import type { ChangeFeed } from '../sync/change-feed.js';
import type { KeyManager } from './key-manager.js';
import { RETIRED_KEY_LIFETIME_MS, type RotationTiming } from './timing.js';

/** Past this many retired keys in the JWKS, the interval is probably a mistake. */
const MANY_PUBLISHED_KEYS = 25;

/**
 * Keeps one instance's keys current: rereads them at once when another instance announces a change,
 * and on every poll (the safety net for a lost notice), which also performs due rotations and removals.
 */
export class KeyScheduler {
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly keys: KeyManager,
    private readonly changes: ChangeFeed,
    private readonly timing: RotationTiming,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const retained = Math.ceil(RETIRED_KEY_LIFETIME_MS / this.timing.intervalMs);
    if (retained > MANY_PUBLISHED_KEYS) {
      this.logger.warn(
        { retired_keys: retained },
        'KEY_ROTATION_INTERVAL is short: retired keys stay published for 24 h, so the JWKS will hold this many',
      );
    }
    this.changes.subscribe((event) => {
      if (event.type === 'keys' && !this.closed) this.track(this.keys.refresh());
    });
    this.timer = setInterval(() => this.poll(), this.timing.pollIntervalMs);
    this.timer.unref();
  }

  /** Stops polling and waits for work already started, so the database can close under nothing. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
  }

  private poll(): void {
    // A slow database must not pile polls up behind each other.
    if (this.polling) return;
    this.polling = true;
    this.track(
      this.keys.maintain().finally(() => {
        this.polling = false;
      }),
    );
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.then(
      () => undefined,
      (error: unknown) =>
        this.logger.warn({ err: error }, 'could not update the signing keys; retrying at the next poll'),
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}
