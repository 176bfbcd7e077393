import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from '../../migrations/index.js';
import { DATA_DIR_LOCK_FILE } from '../../src/db/data-dir-lock.js';
import { initializeDataDir } from '../support/embedded-data.js';
import { requestToken } from '../support/oauth.js';
import { pollUntil } from '../support/poll.js';
import { type CliResult, runCli } from '../support/processes.js';
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  startTestServer,
  TEST_KEY_ENCRYPTION_KEY,
  type TestServer,
  temporaryDirectory,
} from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';

let database: TestDatabase;
let server: TestServer | undefined;
const keysDir = temporaryDirectory('cli-keys');
let env: Record<string, string>;

beforeAll(async () => {
  database = await createTestDatabase();
  env = { DATABASE_URL: database.url, REDIS_URL, KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY, KEYS_DIR: keysDir };
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
  rmSync(keysDir, { recursive: true, force: true });
});

function json<T = Record<string, unknown>>(result: CliResult): T {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as T;
}

/** A user's mistake is a message, never a stack trace. */
function expectCleanFailure(result: CliResult, code: number, message: RegExp): void {
  expect({ code: result.code, stdout: result.stdout }).toEqual({ code, stdout: '' });
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

const cli = (...args: string[]) => runCli(args, env);

describe('CLI against Postgres', () => {
  it('migrate applies the schema once, then has nothing to do', async () => {
    const first = json<{ applied: string[] }>(await cli('migrate', '--json'));
    expect(first.applied).toEqual(MIGRATIONS.map((migration) => migration.name));
    expect(json(await cli('migrate', '--json'))).toEqual({ applied: [] });
    expect((await cli('migrate')).stdout).toMatch(/up to date/);
  });

  it('clients create prints the secret once; list and get never show it', async () => {
    const created = json<Record<string, unknown>>(
      await cli(
        'clients',
        'create',
        '--name',
        'Break glass',
        '--role',
        'analyst',
        '--ip-allowlist',
        '10.0.0.0/8, 2001:db8::/32',
        '--json',
      ),
    );
    expect(created).toMatchObject({
      name: 'Break glass',
      role: 'analyst',
      ip_allowlist: ['10.0.0.0/8', '2001:db8::/32'],
      status: 'active',
      created_by: 'cli',
    });
    expect(created.client_secret).toMatch(/^tgs_/);

    const listed = json<{ items: Record<string, unknown>[]; next_cursor: string | null }>(
      await cli('clients', 'list', '--json'),
    );
    expect(listed.items.map((item) => item.client_id)).toContain(created.client_id);
    const shown = json(await cli('clients', 'get', created.client_id as string, '--json'));
    expect(shown.name).toBe('Break glass');
    for (const output of [JSON.stringify(listed), JSON.stringify(shown)])
      expect(output).not.toContain(created.client_secret as string);

    const table = await cli('clients', 'list');
    expect(table.stdout.split('\n')[0]).toMatch(/^CLIENT_ID\s+NAME\s+ROLE\s+ORGANIZATION_ID\s+STATUS\s+LAST_USED_AT$/);
    expect(table.stdout).toContain(created.client_id as string);
    const readable = await cli('clients', 'create', '--name', 'Readable', '--role', 'read-only');
    expect(readable.stdout).toMatch(/^client_secret:\s+tgs_\S+$/m);
    expect(readable.stdout).toMatch(/shown this once/);
  });

  it('pages clients with --limit and --cursor, validated like the API', async () => {
    const first = json<{ items: unknown[]; next_cursor: string }>(
      await cli('clients', 'list', '--limit', '1', '--json'),
    );
    expect(first.items).toHaveLength(1);
    const second = json<{ items: unknown[] }>(
      await cli('clients', 'list', '--limit', '1', '--cursor', first.next_cursor, '--json'),
    );
    expect(second.items).toHaveLength(1);
    expect(second.items).not.toEqual(first.items);
    expectCleanFailure(await cli('clients', 'list', '--limit', '0'), 1, /limit/);
  });

  it('creates and lists organizations, and places clients in them', async () => {
    const organization = json<{ id: string; name: string; api_enabled: boolean }>(
      await cli('organizations', 'create', '--name', 'Acme', '--json'),
    );
    expect(organization).toMatchObject({ name: 'Acme', api_enabled: true });
    const member = json<{ client_id: string; organization_id: string }>(
      await cli(
        'clients',
        'create',
        '--name',
        'Acme reporter',
        '--role',
        'read-only',
        '--organization-id',
        organization.id,
        '--json',
      ),
    );
    expect(member.organization_id).toBe(organization.id);
    const listed = json<{ items: { id: string }[] }>(await cli('organizations', 'list', '--json'));
    expect(listed.items.map((item) => item.id)).toContain(organization.id);
    const members = json<{ items: { client_id: string }[] }>(
      await cli('clients', 'list', '--organization-id', organization.id, '--json'),
    );
    expect(members.items.map((item) => item.client_id)).toEqual([member.client_id]);
    expect((await cli('organizations', 'list')).stdout.split('\n')[0]).toMatch(
      /^ID\s+NAME\s+API_ENABLED\s+CREATED_AT$/,
    );
    expectCleanFailure(await cli('organizations', 'create', '--name', 'Acme'), 1, /already exists/);
  });

  it('manages clients the server then honours: a CLI-made secret gets tokens, a CLI deactivation applies at once', async () => {
    // A long client cache: only the change notice the CLI publishes can explain the server noticing at once.
    server = await startTestServer({ DATABASE_URL: database.url, REDIS_URL, CLIENT_CACHE_TTL: '300s' });
    const created = json<{ client_id: string; client_secret: string }>(
      await cli('clients', 'create', '--name', 'Service', '--role', 'read-only', '--json'),
    );
    expect((await requestToken(server.url, created.client_id, created.client_secret)).status).toBe(200);

    const updated = json(
      await cli('clients', 'update', created.client_id, '--status', 'inactive', '--note', 'incident 42', '--json'),
    );
    expect(updated).toMatchObject({ status: 'inactive', note: 'incident 42' });
    const refused = await pollUntil(
      () => requestToken(server!.url, created.client_id, created.client_secret),
      (result) => result.status === 401,
      2_000,
      20,
    );
    expect(refused.status).toBe(401);

    expect(json(await cli('clients', 'delete', created.client_id, '--json'))).toEqual({ deleted: created.client_id });
    expectCleanFailure(
      await cli('clients', 'get', created.client_id),
      1,
      new RegExp(`client ${created.client_id} does not exist`),
    );
  });

  it('lists signing keys once the server has created them', async () => {
    const { items } = json<{ items: { kid: string; status: string; alg: string }[] }>(
      await cli('keys', 'list', '--json'),
    );
    expect(items.map((key) => key.status).sort()).toEqual(['active', 'next']);
    expect(items.every((key) => key.alg === 'RS256')).toBe(true);
    expect((await cli('keys', 'list')).stdout.split('\n')[0]).toMatch(/^KID\s+ALG\s+STATUS/);
    const wrongKey = await runCli(['keys', 'list'], { ...env, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    expectCleanFailure(wrongKey, 1, /cannot be decrypted with the configured key-encryption key/);
  });

  it('rotates a client secret, printing the new one once; the old one works for the grace period', async () => {
    const created = json<{ client_id: string; client_secret: string }>(
      await cli('clients', 'create', '--name', 'Rotating', '--role', 'read-only', '--json'),
    );
    const rotated = json<{ client_id: string; client_secret: string; previous_secret_expires_at: string }>(
      await cli('clients', 'rotate-secret', created.client_id, '--grace-period-seconds', '600', '--json'),
    );
    expect(rotated.client_secret).toMatch(/^tgs_/);
    expect(rotated.client_secret).not.toBe(created.client_secret);
    expect(Date.parse(rotated.previous_secret_expires_at) - Date.now()).toBeGreaterThan(500_000);
    for (const secret of [rotated.client_secret, created.client_secret])
      expect((await requestToken(server!.url, created.client_id, secret)).status).toBe(200);
    expectCleanFailure(
      await cli('clients', 'rotate-secret', created.client_id, '--grace-period-seconds', 'soon'),
      1,
      /--grace-period-seconds: /,
    );
  });

  it('rotates the signing key, which the running server follows; refuses while the next key is too fresh', async () => {
    expectCleanFailure(
      await cli('keys', 'rotate'),
      1,
      /the next signing key was published \d+ s ago .* retry in \d+ s/,
    );
    const before = json<{ items: { kid: string; status: string }[] }>(await cli('keys', 'list', '--json')).items;
    // A short interval makes the next key, published at the server's start, old enough to sign now.
    const activated = json<{ kid: string; status: string }>(
      await runCli(['keys', 'rotate', '--json'], { ...env, KEY_ROTATION_INTERVAL: '1s' }),
    );
    expect(activated).toMatchObject({ kid: before.find((key) => key.status === 'next')!.kid, status: 'active' });
    const after = json<{ items: { kid: string; status: string }[] }>(await cli('keys', 'list', '--json')).items;
    expect(after.find((key) => key.kid === before.find((old) => old.status === 'active')!.kid)!.status).toBe('retired');
    const kidOf = (token: string) =>
      (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
    const signed = await pollUntil(
      () => requestToken(server!.url, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET),
      (result) => kidOf(result.body.access_token as string) === activated.kid,
      2_000,
      20,
    );
    expect(kidOf(signed.body.access_token as string)).toBe(activated.kid);
  });

  it('rotates at once and revokes a key in an emergency; the running server follows at once', async () => {
    const kidOf = (token: string) =>
      (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
    const token = (await requestToken(server!.url, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET)).body.access_token as string;
    const suspect = kidOf(token);
    const rotated = json<{ kid: string; status: string }>(await cli('keys', 'rotate', '--immediate', '--json'));
    expect(rotated.status).toBe('active');
    expect(rotated.kid).not.toBe(suspect);

    const revoked = json<{
      revoked: { kid: string; status: string };
      active: { kid: string };
      sessions_revoked: number;
    }>(await cli('keys', 'revoke', suspect, '--json'));
    expect(revoked).toMatchObject({ revoked: { kid: suspect, status: 'retired' }, active: { kid: rotated.kid } });
    expect(revoked.sessions_revoked).toBeGreaterThanOrEqual(1);
    const refused = await pollUntil(
      () => fetch(`${server!.url}/api/v1/keys`, { headers: { authorization: `Bearer ${token}` } }),
      (response) => response.status === 401,
      2_000,
      20,
    );
    expect(refused.status).toBe(401);
    expectCleanFailure(await cli('keys', 'revoke', suspect), 1, /no signing key has this kid/);
  });

  it('audits every change with actor cli and a per-run request id', async () => {
    const rows = (await server!.app.db('audit_events').where({ actor: 'cli' }).orderBy('at')) as {
      type: string;
      request_id: string;
    }[];
    expect(rows.map((row) => row.type)).toEqual([
      'database.migrated',
      'client.created',
      'client.created',
      'organization.created',
      'client.created',
      'client.created',
      'client.updated',
      'client.deleted',
      'client.created',
      'client.secret_rotated',
      'key.rotated',
      'key.rotated',
      'key.revoked',
      'sessions.revoked',
    ]);
    expect(rows.every((row) => /^cli-[0-9a-f-]{36}$/.test(row.request_id))).toBe(true);
    // One id per run: the revocation's two events share theirs.
    const [revokedKey, revokedSessions] = rows.slice(-2);
    expect(revokedSessions!.request_id).toBe(revokedKey!.request_id);
    expect(new Set(rows.map((row) => row.request_id)).size).toBe(rows.length - 1);
  });

  it('explains invalid input with the option names', async () => {
    const [role, allowlist, nothing, asJson] = await Promise.all([
      cli('clients', 'create', '--name', 'x', '--role', 'no-such-role'),
      cli('clients', 'create', '--name', 'x', '--role', 'analyst', '--ip-allowlist', '10.0.0.1,nonsense'),
      cli('clients', 'update', 'tgc_missing'),
      cli('clients', 'create', '--role', 'analyst', '--json'),
    ]);
    expectCleanFailure(role, 1, /--role: unknown role "no-such-role"/);
    expectCleanFailure(allowlist, 1, /--ip-allowlist \(entry 2\): "nonsense" is not/);
    expectCleanFailure(nothing, 1, /at least one field is required/);
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stderr)).toMatchObject({
      error: { message: expect.stringMatching(/--name/), issues: [{ field: '--name' }] },
    });
  });

  it('exits 2 with usage for a malformed command line, and 0 for help', async () => {
    const [unknown, missing, bogus, extra, help, commandHelp] = await Promise.all([
      cli('clients', 'frobnicate'),
      cli('clients', 'get'),
      cli('clients', 'list', '--bogus'),
      cli('migrate', 'now'),
      cli('--help'),
      cli('clients', 'update', '--help'),
    ]);
    expectCleanFailure(unknown, 2, /unknown command: clients frobnicate[\s\S]*commands:/);
    expectCleanFailure(missing, 2, /expected <client_id>[\s\S]*usage: npm run cli -- clients get <client_id>/);
    expectCleanFailure(bogus, 2, /Unknown option '--bogus'/);
    expectCleanFailure(extra, 2, /unexpected argument: now/);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/clients create[\s\S]*keys list[\s\S]*migrate/);
    expect(commandHelp.stdout).toMatch(/--ip-allowlist <value>/);
  });

  it('reports an unusable database or configuration in one line', async () => {
    expectCleanFailure(
      await runCli(['clients', 'list'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }),
      1,
      /^tollgate: cannot use the database: .*ECONNREFUSED/,
    );
    expectCleanFailure(
      await runCli(['clients', 'list'], { ...env, AUDIT_RETENTION_DAYS: 'forever' }),
      1,
      /^tollgate: invalid configuration: AUDIT_RETENTION_DAYS:/,
    );
    const empty = await createTestDatabase();
    try {
      expectCleanFailure(
        await runCli(['clients', 'list'], { DATABASE_URL: empty.url }),
        1,
        /no Tollgate schema yet: run the `migrate` command/,
      );
    } finally {
      await empty.drop();
    }
  });
});

describe('CLI against the embedded database (DATA_DIR)', () => {
  it('works on DATA_DIR, and refuses while a server has it open', async () => {
    const dataDir = temporaryDirectory('cli-embedded');
    const embeddedEnv = { DATA_DIR: dataDir, KEYS_DIR: join(dataDir, 'keys') };
    let embedded: TestServer | undefined;
    try {
      // initdb in an empty DATA_DIR is the server's first start (e2e/embedded): the same openDatabase as here.
      await initializeDataDir(dataDir);
      expect(json<{ applied: string[] }>(await runCli(['migrate', '--json'], embeddedEnv)).applied).toHaveLength(
        MIGRATIONS.length,
      );
      const created = json<{ client_id: string; client_secret: string }>(
        await runCli(['clients', 'create', '--name', 'Embedded', '--role', 'admin', '--json'], embeddedEnv),
      );

      // The CLI-made admin is the server's admin: the server creates no initial one, and the client gets tokens.
      embedded = await startTestServer({ DATA_DIR: dataDir });
      expect((await requestToken(embedded.url, created.client_id, created.client_secret)).status).toBe(200);
      expectCleanFailure(
        await runCli(['clients', 'list'], embeddedEnv),
        1,
        new RegExp(`DATA_DIR ${dataDir} is in use by process ${process.pid}`),
      );
      await embedded.stop();
      embedded = undefined;

      const { items } = json<{ items: { client_id: string; last_used_at: string | null }[] }>(
        await runCli(['clients', 'list', '--json'], embeddedEnv),
      );
      expect(items.map((item) => item.client_id)).toEqual([created.client_id]);
      expect(items[0]!.last_used_at).toEqual(expect.any(String));

      // A lock left by a process that is gone is taken over; one from another host cannot be checked, so it holds.
      writeFileSync(join(dataDir, DATA_DIR_LOCK_FILE), `999999999 ${hostname()}\n`);
      expect((await runCli(['clients', 'get', created.client_id, '--json'], embeddedEnv)).code).toBe(0);
      writeFileSync(join(dataDir, DATA_DIR_LOCK_FILE), '1234 some-other-host\n');
      expectCleanFailure(
        await runCli(['clients', 'list'], embeddedEnv),
        1,
        /in use by process 1234 on some-other-host/,
      );
    } finally {
      await embedded?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    // Five CLI processes each open PGlite (WASM) and a server starts on it: 3-5 s apiece on a shared machine.
  }, 90_000);
});
