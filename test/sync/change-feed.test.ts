import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { type ChangeEvent, type ChangeFeed, LocalChangeFeed, RedisChangeFeed } from '../../src/sync/change-feed.js';
import { waitFor } from '../support/poll.js';
import { REDIS_URL } from '../support/services.js';

const logger = pino({ level: 'silent' });
const publisher = new Redis(REDIS_URL);

afterAll(() => publisher.disconnect());

/** Every test uses client ids of its own: other test files' servers publish on the same Redis channel. */
const uniqueClient = () => `feed-test-${randomBytes(6).toString('hex')}`;

/** The events a listener heard about this test's clients only. */
function recorder(ids: Set<string>) {
  const heard: ChangeEvent[] = [];
  const listener = (event: ChangeEvent) => {
    if (event.type === 'client' && ids.has(event.clientId)) heard.push(event);
  };
  return { heard, listener };
}

const FEEDS: readonly { name: string; open: () => ChangeFeed }[] = [
  { name: 'LocalChangeFeed', open: () => new LocalChangeFeed() },
  { name: 'RedisChangeFeed', open: () => new RedisChangeFeed(publisher, logger) },
];

describe.each(FEEDS)('change feed conformance: $name', ({ open }) => {
  let feed: ChangeFeed;
  beforeEach(() => {
    feed = open();
  });
  afterEach(() => feed?.close());

  it("resolves publish once this instance's listeners are done, async ones included", async () => {
    const clientId = uniqueClient();
    const done: string[] = [];
    feed.subscribe(async (event) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (event.type === 'client' && event.clientId === clientId) done.push('slow');
    });
    feed.subscribe((event) => {
      if (event.type === 'client' && event.clientId === clientId) done.push('quick');
    });
    await feed.publish({ type: 'client', clientId });
    expect(done.sort()).toEqual(['quick', 'slow']);
  });

  it('delivers to every listener even when one throws or rejects', async () => {
    const clientId = uniqueClient();
    const { heard, listener } = recorder(new Set([clientId]));
    feed.subscribe(() => {
      throw new Error('a broken listener');
    });
    feed.subscribe(async () => {
      throw new Error('a broken async listener');
    });
    feed.subscribe(listener);
    await expect(feed.publish({ type: 'client', clientId })).resolves.toBeUndefined();
    expect(heard).toEqual([{ type: 'client', clientId }]);
  });

  it('delivers each of its own events to its listeners exactly once, as published', async () => {
    const [first, second] = [uniqueClient(), uniqueClient()];
    const { heard, listener } = recorder(new Set([first, second]));
    feed.subscribe(listener);
    await feed.publish({ type: 'client', clientId: first });
    await feed.publish({ type: 'client', clientId: second });
    await feed.publish({ type: 'keys' });
    // A notice the feed sends over Redis comes back to its own subscriber: it must not be delivered again.
    // Another feed's notice, sent after ours, arriving here proves ours has made the round trip too.
    await roundTrip(feed);
    expect(heard).toEqual([
      { type: 'client', clientId: first },
      { type: 'client', clientId: second },
    ]);
  });

  it('delivers nothing after close', async () => {
    const clientId = uniqueClient();
    const { heard, listener } = recorder(new Set([clientId]));
    feed.subscribe(listener);
    await feed.close();
    await feed.publish({ type: 'client', clientId }).catch(() => undefined);
    expect(heard).toEqual([]);
  });
});

/**
 * For a Redis feed: waits until a notice published on the channel by someone else reaches `feed`'s
 * listeners, so everything published before it has arrived as well. A local feed has no channel.
 */
async function roundTrip(feed: ChangeFeed): Promise<void> {
  if (!(feed instanceof RedisChangeFeed)) return;
  const marker = uniqueClient();
  const { heard, listener } = recorder(new Set([marker]));
  feed.subscribe(listener);
  const other = new RedisChangeFeed(publisher, logger);
  try {
    await waitFor('a notice from another feed', 10_000, async () => {
      await other.publish({ type: 'client', clientId: marker });
      return heard.length > 0;
    });
  } finally {
    await other.close();
  }
}

describe('RedisChangeFeed between instances', () => {
  it("delivers one instance's event to the others' listeners, not to a closed one", async () => {
    const [sender, receiver, closed] = [
      new RedisChangeFeed(publisher, logger),
      new RedisChangeFeed(publisher, logger),
      new RedisChangeFeed(publisher, logger),
    ];
    try {
      const clientId = uniqueClient();
      const atReceiver = recorder(new Set([clientId]));
      const atClosed = recorder(new Set([clientId]));
      receiver.subscribe(atReceiver.listener);
      closed.subscribe(atClosed.listener);
      await closed.close();
      // The receiver's subscription is confirmed asynchronously: publish until it hears (delivery is best effort).
      await waitFor('the event at the other instance', 10_000, async () => {
        await sender.publish({ type: 'client', clientId });
        return atReceiver.heard.length > 0;
      });
      expect(atReceiver.heard[0]).toEqual({ type: 'client', clientId });
      expect(atClosed.heard).toEqual([]);
    } finally {
      await Promise.all([sender.close(), receiver.close(), closed.close()]);
    }
  });

  it('ignores a malformed notice on the channel and keeps delivering', async () => {
    const receiver = new RedisChangeFeed(publisher, logger);
    const sender = new RedisChangeFeed(publisher, logger);
    try {
      const clientId = uniqueClient();
      const { heard, listener } = recorder(new Set([clientId]));
      receiver.subscribe(listener);
      await waitFor('a notice after a malformed one', 10_000, async () => {
        await publisher.publish('tg:changes', '{not json');
        await sender.publish({ type: 'client', clientId });
        return heard.length > 0;
      });
      expect(heard[0]).toEqual({ type: 'client', clientId });
    } finally {
      await Promise.all([sender.close(), receiver.close()]);
    }
  });

  it('publishing never fails the caller while Redis is unreachable', async () => {
    const unreachable = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    unreachable.on('error', () => undefined);
    const feed = new RedisChangeFeed(unreachable, logger);
    const clientId = uniqueClient();
    const { heard, listener } = recorder(new Set([clientId]));
    feed.subscribe(listener);
    try {
      await expect(feed.publish({ type: 'client', clientId })).resolves.toBeUndefined();
      expect(heard).toEqual([{ type: 'client', clientId }]);
    } finally {
      await feed.close();
      unreachable.disconnect();
    }
  });
});
