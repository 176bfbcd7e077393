import type { AuditEventInput } from '../../src/audit/event.js';
import { loadConfig } from '../../src/config/config.js';
import type { KeyManager } from '../../src/keys/key-manager.js';
import { openKeyManager } from '../../src/keys/open.js';
import { createLogger } from '../../src/observability/logger.js';
import { LocalChangeFeed } from '../../src/sync/change-feed.js';
import { CLI_ACTOR } from '../../src/x/actor.js';
import { DATABASE_DRIVERS, type OpenedDatabase } from '../support/databases.js';
import { TEST_KEY_ENCRYPTION_KEY } from '../support/server.js';

let opened: OpenedDatabase;
let keys: KeyManager;

beforeAll(async () => {
  opened = await DATABASE_DRIVERS[0]!.open();
  const config = loadConfig({ KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY });
  const audit = { record: (_event: AuditEventInput) => undefined, flush: async () => undefined };
  keys = await openKeyManager(
    opened.db,
    config,
    { changes: new LocalChangeFeed(), audit, logger: createLogger('silent') },
    true,
  );
});

afterAll(async () => {
  await opened?.close();
});

describe('a key ring listener that fails', () => {
  it('fails the refresh, and the instance keeps signing with the key it could publish', async () => {
    const signing = keys.current().active.kid;
    let publisherWorks = false;
    const published: string[][] = [];
    keys.onChange((ring) => {
      if (!publisherWorks) throw new Error('the JWKS could not be rebuilt');
      published.push(ring.keys.map((key) => key.kid));
    });

    // An emergency rotation commits a new active key; this instance cannot publish it yet.
    const rotated = await keys.rotate(CLI_ACTOR, { immediate: true });
    expect(rotated.kid).not.toBe(signing);
    expect(keys.current().active.kid).toBe(signing);
    await expect(keys.refresh()).rejects.toThrow('the JWKS could not be rebuilt');
    expect(keys.current().active.kid).toBe(signing);

    // Once the listener works, the next refresh publishes the new ring and only then signs with it.
    publisherWorks = true;
    const ring = await keys.refresh();
    expect(ring.active.kid).toBe(rotated.kid);
    expect(keys.current().active.kid).toBe(rotated.kid);
    expect(published).toEqual([ring.keys.map((key) => key.kid)]);
  });
});
