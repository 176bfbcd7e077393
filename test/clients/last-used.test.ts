import { JOB_TIMINGS_VARIABLE } from '../../src/config/job-timings.js';
import { SERVER_MODES } from '../support/modes.js';
import { adminToken, api, createClient, tokenFor } from '../support/oauth.js';
import { waitFor } from '../support/poll.js';
import type { TestServer } from '../support/server.js';

/** Batched uses wait an hour here, so only the first-use write can set last_used_at during a test. */
const HOURLY_FLUSH = { [JOB_TIMINGS_VARIABLE]: JSON.stringify({ lastUsedFlushIntervalMs: 3_600_000 }) };

const lastUsedAt = async (server: TestServer, admin: string, clientId: string): Promise<string | null> =>
  (await api<{ last_used_at: string | null }>(server.url, admin, 'GET', `/clients/${clientId}`)).body.last_used_at;

describe.each(SERVER_MODES)('last_used_at, $name', (mode) => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await mode.start(HOURLY_FLUSH);
    admin = await adminToken(server.url);
  });
  afterAll(() => server?.stop());

  it("is written at once on a client's first token, not at the next batch", async () => {
    const client = await createClient(server.url, admin, { name: 'first use', role: 'read-only' });
    expect(client.last_used_at).toBeNull();
    const before = Date.now();
    await tokenFor(server.url, client);
    const firstUse = await waitFor('last_used_at to be set', 10_000, () => lastUsedAt(server, admin, client.client_id));
    expect(Date.parse(firstUse)).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('keeps batching later uses: they are written at the flush', async () => {
    const client = await createClient(server.url, admin, { name: 'later uses', role: 'read-only' });
    await tokenFor(server.url, client);
    await waitFor('the first use', 10_000, () => lastUsedAt(server, admin, client.client_id));
    // As if the first use had been long ago: a later use moves it forward, but only when the batch is written.
    const longAgo = new Date(Date.now() - 3_600_000);
    await server.app.db('api_clients').where({ client_id: client.client_id }).update({ last_used_at: longAgo });
    await tokenFor(server.url, client);
    await tokenFor(server.url, client);
    expect(await lastUsedAt(server, admin, client.client_id)).toBe(longAgo.toISOString());
    await server.app.flush();
    expect(Date.parse((await lastUsedAt(server, admin, client.client_id))!)).toBeGreaterThan(longAgo.getTime());
  });
});
