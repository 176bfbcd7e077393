import { randomUUID } from 'node:crypto';
import type { Logger } from '../observability/logger.js';
import { openChannel, type RedisChannel, type RedisConnection } from '../redis/connection.js';

/** What other instances must hear about at once instead of waiting for a cache to expire. */
export type ChangeEvent =
  | { readonly type: 'client'; readonly clientId: string }
  | { readonly type: 'keys' }
  | { readonly type: 'roles' }
  | { readonly type: 'organization'; readonly organizationId: string }
  | { readonly type: 'settings' };

/** A listener may return a promise: `publish` waits for this instance's listeners, so a change reads back at once here. */
export type ChangeListener = (event: ChangeEvent) => void | Promise<void>;

export interface ChangeFeed {
  /** Resolves once this instance's own listeners are done; other instances hear of it asynchronously. */
  publish(event: ChangeEvent): Promise<void>;
  subscribe(listener: ChangeListener): void;
  close(): Promise<void>;
}

const CHANNEL = 'tg:changes';

/** Single-node: the only listeners are in this process. */
export class LocalChangeFeed implements ChangeFeed {
  private listeners: ChangeListener[] = [];

  async publish(event: ChangeEvent): Promise<void> {
    await deliverTo(this.listeners, event);
  }

  subscribe(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.listeners = [];
  }
}

/**
 * Redis pub/sub between instances (sharded pub/sub on a cluster, see openChannel). Delivery is best
 * effort: a notice lost while Redis is down or failing over is covered by each cache's own short TTL,
 * so publishing never fails the admin request that caused it.
 */
export class RedisChangeFeed implements ChangeFeed {
  private readonly channel: RedisChannel;
  private listeners: ChangeListener[] = [];
  /** Tells this feed's own notices apart: per feed, not per pid (containers on different hosts often share pid 1, and tests run several applications in one process). */
  private readonly origin = randomUUID();
  /** A short-lived user (the CLI) may close before the subscription is confirmed; that is no failure. */
  private closed = false;

  constructor(
    redis: RedisConnection,
    private readonly logger: Logger,
  ) {
    this.channel = openChannel(
      redis,
      CHANNEL,
      (message) => this.deliver(message),
      (error) => {
        if (!this.closed) this.logger.warn({ err: error }, 'change feed subscription failed');
      },
    );
  }

  async publish(event: ChangeEvent): Promise<void> {
    await deliverTo(this.listeners, event);
    try {
      await this.channel.publish(JSON.stringify({ ...event, origin: this.origin }));
    } catch (error) {
      this.logger.warn(
        { err: error, event },
        'could not publish a change; other instances catch up when their caches expire',
      );
    }
  }

  subscribe(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners = [];
    this.channel.close();
  }

  private deliver(message: string): void {
    try {
      const { origin, ...event } = JSON.parse(message) as ChangeEvent & { origin: string };
      if (origin !== this.origin) void deliverTo(this.listeners, event as ChangeEvent);
    } catch (error) {
      this.logger.warn({ err: error }, 'ignored a malformed change notice');
    }
  }
}

/** Listeners handle their own failures (a cache keeps its last value); one that throws must not stop the others. */
async function deliverTo(listeners: readonly ChangeListener[], event: ChangeEvent): Promise<void> {
  await Promise.allSettled(listeners.map(async (listener) => listener(event)));
}
