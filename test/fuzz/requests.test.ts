import fc from 'fast-check';
import { type FuzzCase, type FuzzTargets, fuzzCases, fuzzParameters, tokenVariants } from '../support/fuzz-requests.js';
import { captureLogs } from '../support/logs.js';
import { SERVER_MODES } from '../support/modes.js';
import { adminToken, api, claimsOf, createClient, requestToken } from '../support/oauth.js';
import { type RawResponse, sendRaw } from '../support/raw-http.js';
import type { TestServer } from '../support/server.js';

/**
 * Property-based fuzzing of the real server, in both modes: generated requests to every endpoint (see
 * fuzz-requests.ts), each checked against the invariants below; afterwards the server must be healthy,
 * still issue tokens, have logged no unexpected error, and hold the data it held, except what an admin
 * request it accepted changed. `npm run fuzz` runs longer (FUZZ_RUNS, FUZZ_SEED); a failure prints the
 * seed and the shrunk request that breaks an invariant.
 */
const RUNS_PER_MODE = 1500;
/** Far below the server's 30 s request timeout: an answer that takes this long is a hang. */
const ANSWER_WITHIN_MS = 10_000;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The data refused requests must leave alone, as the admin API shows it (minus what token use updates). */
async function snapshot(server: TestServer): Promise<string> {
  const token = await adminToken(server.url);
  const parts = await Promise.all(
    ['/clients?limit=200', '/organizations?limit=200', '/roles', '/settings', '/keys'].map(
      async (path) => (await api(server.url, token, 'GET', path)).body,
    ),
  );
  return JSON.stringify(parts, (key, value) => (key === 'last_used_at' ? undefined : value));
}

/** What is wrong with one answer, or null. */
function violation(fuzzCase: FuzzCase, response: RawResponse, targets: FuzzTargets): string | null {
  const { request } = fuzzCase;
  const truncated = request.declaredLength !== undefined && request.declaredLength > request.body.length;
  if (response.status === 0 && !truncated) return 'the server closed the connection without an answer';
  if (response.status >= 500) {
    const dependency = response.status === 503 && /temporarily_unavailable|dependency_unavailable/.test(response.body);
    if (!dependency) return `answered ${response.status}: ${response.body.slice(0, 300)}`;
  }
  const path = request.target.split('?')[0];
  const issued = /"access_token"/.test(response.body);
  if (issued && !(path === '/token' && response.status === 200 && fuzzCase.presentsValidSecret))
    return `a token for bad credentials: ${response.status} ${request.target}`;
  if (issued && claimsOf(/"access_token":"([^"]+)"/.exec(response.body)![1]!).client_id !== targets.client.client_id)
    return 'a token for another client';
  const adminData = path?.startsWith('/api/v1/') && !/^\/api\/v1\/(openapi\.json|info|problems)/.test(path);
  if (adminData && response.status < 300 && response.status >= 200 && !fuzzCase.presentsAdminToken)
    return `admin route answered ${response.status} without the admin token`;
  return null;
}

const { numRuns, seed } = fuzzParameters(RUNS_PER_MODE);

describe.each(SERVER_MODES)('fuzzing every endpoint, $name', (mode) => {
  const logs = captureLogs('warn');
  let server: TestServer;
  let targets: FuzzTargets;

  beforeAll(async () => {
    server = await mode.start({}, logs.logger);
    const admin = await adminToken(server.url);
    const client = await createClient(server.url, admin, { name: 'fuzzed', role: 'read-only' });
    const organization = await api(server.url, admin, 'POST', '/organizations', { name: 'fuzzed organization' });
    const document = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    targets = {
      client,
      tokens: await tokenVariants(server.url, admin, client),
      operations: Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
      ),
      existing: [client.client_id, organization.body.id as string, 'read-only', 'admin'],
    };
  }, 120_000);

  afterAll(async () => {
    await server.stop();
  });

  it(
    'holds every invariant for generated requests, and leaves the server healthy and its data as it was',
    async () => {
      expect(targets.operations.length).toBeGreaterThanOrEqual(20);
      let baseline = await snapshot(server);
      await fc.assert(
        fc.asyncProperty(fuzzCases(targets), async (fuzzCase) => {
          const response = await sendRaw(server.running.port, fuzzCase.request, ANSWER_WITHIN_MS);
          const problem = violation(fuzzCase, response, targets);
          if (problem) throw new Error(problem);
          // An admin change the server accepted is a change: the data after it is the new baseline.
          if (MUTATING.has(fuzzCase.request.method) && response.status >= 200 && response.status < 300)
            baseline = await snapshot(server);
        }),
        { numRuns, seed },
      );
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      expect(await snapshot(server)).toBe(baseline);
      const fresh = await createClient(server.url, await adminToken(server.url), { name: 'after', role: 'read-only' });
      expect((await requestToken(server.url, fresh.client_id, fresh.client_secret)).status).toBe(200);
      expect(logs.lines().filter((line) => (line.level as number) >= 50)).toEqual([]);
    },
    60_000 + numRuns * 100,
  );
});
