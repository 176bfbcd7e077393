import { sample, scrape } from '../support/metrics.js';
import { startSharedServer } from '../support/modes.js';
import { adminToken, createClient, requestTokenFrom, uniqueIp } from '../support/oauth.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('health and metrics in shared mode', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startSharedServer({ TRUST_PROXY: 'true', RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_IP: '2' });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('answers /healthz, and /readyz with the state of Postgres and Redis', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('cache-control')).toBe('no-store');
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'up', redis: 'up' } });
    expect((await fetch(`${server.url}/readyz`, { method: 'HEAD' })).status).toBe(200);
  });

  it('counts token requests by result and times issuance', async () => {
    const client = await createClient(server.url, await adminToken(server.url), {
      name: 'measured',
      role: 'read-only',
    });
    const address = uniqueIp();
    for (let i = 0; i < 3; i += 1)
      expect((await requestTokenFrom(address, server.url, client.client_id, client.client_secret)).status).toBe(200);
    for (let i = 0; i < 2; i += 1)
      expect((await requestTokenFrom(address, server.url, client.client_id, 'wrong')).status).toBe(401);
    expect((await requestTokenFrom(address, server.url, client.client_id, 'wrong')).status).toBe(429);
    expect((await requestTokenFrom(uniqueIp(), server.url, 'tgc_nobody', 'x')).status).toBe(401);

    await server.app.flush();
    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    // The admin token above is the fourth issued token.
    expect(sample(text, 'tollgate_token_requests_total{result="issued"}')).toBe(4);
    expect(sample(text, 'tollgate_token_requests_total{result="invalid_secret"}')).toBe(2);
    expect(sample(text, 'tollgate_token_requests_total{result="rate_limited"}')).toBe(1);
    expect(sample(text, 'tollgate_token_requests_total{result="unknown_client"}')).toBe(1);
    expect(sample(text, 'tollgate_authentication_blocks_total{limit="per_client_ip"}')).toBe(1);
    expect(sample(text, 'tollgate_token_issuance_duration_seconds_count')).toBe(4);
    expect(sample(text, 'tollgate_token_issuance_duration_seconds_bucket{le="+Inf"}')).toBe(4);
    expect(sample(text, 'tollgate_active_sessions')).toBeGreaterThanOrEqual(4);
    expect(sample(text, 'tollgate_audit_queue_depth')).toBe(0);
    expect(sample(text, 'tollgate_audit_events_not_stored_total')).toBe(0);
    expect(sample(text, 'tollgate_signing_key_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(text).toContain('# TYPE tollgate_introspections_total counter');
    expect(text).toContain('# TYPE tollgate_revocations_total counter');
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });
});

describe('health and metrics in single-node mode', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('reports the embedded database only in /readyz', async () => {
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'up' } });
  });

  it('counts exactly the live sessions of the deployment', async () => {
    const admin = await adminToken(server.url);
    const first = await createClient(server.url, admin, { name: 'one', role: 'read-only' });
    const second = await createClient(server.url, admin, { name: 'two', role: 'read-only' });
    for (const client of [first, first, second])
      expect((await requestTokenFrom(uniqueIp(), server.url, client.client_id, client.client_secret)).status).toBe(200);
    expect(sample(await scrape(server.url), 'tollgate_active_sessions')).toBe(4);
  });
});
