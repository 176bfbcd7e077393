import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  type ConsoleTab,
  goTo,
  launchChromium,
  navigate,
  openConsole,
  persistedState,
  signIn,
  submitSignIn,
  tokenObtainedBy,
} from '../support/browser.js';
import { startSharedServer } from '../support/modes.js';
import {
  adminToken,
  api,
  type CreatedClient,
  claimsOf,
  createClient,
  introspect,
  requestToken,
  requestTokenFrom,
} from '../support/oauth.js';
import { createOrganization, createOrganizationAdmin, type Organization } from '../support/organizations.js';
import { pollUntil } from '../support/poll.js';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, type TestServer } from '../support/server.js';

/**
 * The console end to end, in Debian's Chromium: one browser and one server for the file, one tab for
 * the platform administrator's journey (tests run in order and build on each other), fresh tabs where
 * another administrator signs in. Everything is checked against the API and the OAuth endpoints too.
 *
 * CONSOLE_SCREENSHOTS=<dir> (npm run docs:screenshots) also saves the README's screenshots there.
 */

const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS;
const BROWSER_TEST_TIMEOUT_MS = 90_000;

let server: TestServer;
let browser: Browser;
let admin: ConsoleTab;
let adminApiToken: string;
/** The client the platform administrator creates in the first test and carries through the next ones. */
let soar: { client_id: string; client_secret: string };
/** The platform administrator's console token. */
let consoleToken: string;

/** A screenshot for the README; a secret on screen is masked (it is a test secret, but scanners cannot know). */
async function screenshot(
  page: Page,
  name: string,
  options: { mask?: Locator[]; fullPage?: boolean } = {},
): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({
    path: join(SCREENSHOTS, `${name}.png`),
    fullPage: options.fullPage ?? true,
    mask: options.mask ?? [],
    animations: 'disabled',
  });
}

/** The visible text of the detail next to a label on a client's page. */
async function detail(page: Page, label: string): Promise<string> {
  return (
    await page
      .locator('dl.details dt', { hasText: new RegExp(`^${label}$`) })
      .locator('xpath=following-sibling::dd[1]')
      .innerText()
  ).trim();
}

function dialog(page: Page): Locator {
  return page.getByRole('dialog');
}

/** Reflow (WCAG 1.4.10): the page never scrolls sideways; only wide tables do, inside their frame. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  expect(
    await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth'),
  ).toBeLessThanOrEqual(0);
}

async function expectNothingPersisted(tab: ConsoleTab): Promise<void> {
  expect(tab.tokens.length).toBeGreaterThan(0);
  const persisted = await persistedState(tab);
  for (const token of tab.tokens) {
    expect(persisted).not.toContain(token);
    expect(persisted).not.toContain(claimsOf(token).jti);
  }
}

beforeAll(async () => {
  // TRUST_PROXY lets a test request tokens "from" an address outside the allowlist; the browser sends no X-Forwarded-For.
  server = await startSharedServer({ TRUST_PROXY: '127.0.0.1' });
  adminApiToken = await adminToken(server.url);
  browser = await launchChromium();
  admin = await openConsole(browser, server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
}, 60_000);

afterEach(() => {
  // No Content-Security-Policy violation and no script error, on any page, in any test.
  expect(admin.faults).toEqual([]);
});

describe('the console page', () => {
  it('is served with a strict Content-Security-Policy, and deep links load the console', async () => {
    const response = await fetch(`${server.url}/console/clients/some-client`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    const html = await response.text();
    expect(html).toMatch(/<script type="module" crossorigin src="\/console\/assets\/[^"]+\.js"><\/script>/);
    // No inline script: every <script> has a src.
    expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
    const script = html.match(/src="(\/console\/assets\/[^"]+\.js)"/)![1]!;
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.url}/console/assets/missing.js`)).status).toBe(404);
  });

  it('explains how to sign in, and refuses a client that is not an administrator', async () => {
    const { page } = admin;
    await page.getByRole('heading', { name: 'Recommended: one console client per administrator' }).waitFor();
    await screenshot(page, 'sign-in');
    const analyst = await createClient(server.url, adminApiToken, { name: 'not an admin', role: 'analyst' });
    const token = await tokenObtainedBy(admin, async () => {
      await submitSignIn(page, analyst.client_id, analyst.client_secret);
      await page.getByRole('alert').getByText('Not an administrator').waitFor();
    });
    // The token it got on the way is given back at once.
    expect(claimsOf(token).client_id).toBe(analyst.client_id);
    expect((await introspect(server.url, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, token)).body).toEqual({ active: false });

    await submitSignIn(page, ADMIN_CLIENT_ID, 'wrong-secret');
    await page.getByRole('alert').getByText('Unknown client or wrong secret').waitFor();
  });
});

describe('a platform administrator', () => {
  it(
    'creates a client with an IP allowlist, hands over its secret, sees it used, and revokes its token',
    async () => {
      const { page } = admin;
      consoleToken = await signIn(admin, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET);
      await expectNothingPersisted(admin);

      await page.getByRole('link', { name: 'New client' }).click();
      await page.getByLabel('Name').fill('SOAR playbooks');
      await page.getByLabel('Role').selectOption('analyst');
      await page.getByLabel('Only these addresses').check();
      await page.getByLabel('Address or range 1', { exact: true }).fill('127.0.0.1');
      await page.getByRole('button', { name: 'Add an address or range' }).click();
      await page.getByLabel('Address or range 2', { exact: true }).fill('10.1.2.3/8');
      await page.getByLabel('Note').click();
      // Checked as soon as it is left, with the canonical form the API will store.
      await page.getByText('Stored as 10.0.0.0/8').waitFor();
      await page.getByLabel('Note').fill('prod playbooks');
      await screenshot(page, 'new-client');
      await page.getByRole('button', { name: 'Create client' }).click();

      await page.getByText('Store the secret now: it cannot be shown again.').waitFor();
      const clientId = await page.getByLabel('client_id').inputValue();
      await page.getByRole('button', { name: 'Copy secret' }).click();
      await page.getByText('Secret copied to the clipboard.').waitFor();
      const clientSecret = await page.evaluate<string>('navigator.clipboard.readText()');
      expect(clientSecret).toMatch(/^tgs_[A-Za-z0-9_-]{43}$/);
      expect(await page.getByLabel('client_secret').inputValue()).toBe(clientSecret);
      await screenshot(page, 'secret-shown-once', { mask: [page.getByLabel('client_secret')] });

      const [envDownload] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download .env file' }).click(),
      ]);
      expect(envDownload.suggestedFilename()).toBe(`tollgate-${clientId}.env`);
      const envFile = readFileSync((await envDownload.path())!, 'utf8');
      expect(envFile).toContain(`TOLLGATE_CLIENT_ID=${clientId}\n`);
      expect(envFile).toContain(`TOLLGATE_CLIENT_SECRET=${clientSecret}\n`);
      expect(envFile).toContain(`TOLLGATE_TOKEN_ENDPOINT=${server.url}/token\n`);
      soar = { client_id: clientId, client_secret: clientSecret };

      // What `curl -u id:secret -d grant_type=client_credentials $ISSUER/token` does, from inside and outside the allowlist.
      const issued = await requestToken(server.url, clientId, clientSecret);
      expect(issued.status).toBe(200);
      expect(issued.body.scope).toBe('read write');
      const outside = await requestTokenFrom('192.0.2.10', server.url, clientId, clientSecret);
      expect(outside).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
      const token = issued.body.access_token as string;
      expect((await introspect(server.url, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, token)).body?.active).toBe(true);

      await page.getByRole('button', { name: 'I have stored the secret' }).click();
      await page.getByRole('heading', { level: 1, name: 'SOAR playbooks' }).waitFor();
      expect(await page.content()).not.toContain(clientSecret);
      expect(await detail(page, 'IP restriction')).toBe('127.0.0.1, 10.0.0.0/8');
      await server.app.flush(); // last_used_at is written in batches
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.locator('dl.details dt:text-is("Last used") + dd time').waitFor();
      const row = page.getByRole('row').filter({ hasText: claimsOf(token).jti });
      await row.waitFor();
      expect(await row.innerText()).toMatch(/read write\s+127\.0\.0\.1/);
      await screenshot(page, 'client');

      await row.getByRole('button', { name: /Revoke the token/ }).click();
      await dialog(page).getByRole('button', { name: 'Revoke token' }).click();
      await page
        .getByRole('status')
        .getByText(`The token ${claimsOf(token).jti} was revoked.`)
        .waitFor();
      await page.getByText('No live tokens.').waitFor();
      expect((await introspect(server.url, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, token)).body).toEqual({
        active: false,
      });

      await goTo(page, 'Clients');
      const listed = page.getByRole('row').filter({ hasText: clientId });
      await listed.waitFor();
      expect(await listed.innerText()).toMatch(
        /SOAR playbooks\s+tgc_\w+\s+analyst\s+active\s+Platform\s+2 entries\s+127\.0\.0\.1, 10\.0\.0\.0\/8/,
      );
      await screenshot(page, 'clients');
      await expectNoSidewaysScroll(page);
      await expectNothingPersisted(admin);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it('gets an invalid CIDR marked next to its entry, and nothing is created', async () => {
    const { page } = admin;
    const count = async () =>
      (await api<{ items: unknown[] }>(server.url, adminApiToken, 'GET', '/clients?q=Bad%20allowlist')).body.items
        .length;
    await page.getByRole('link', { name: 'New client' }).click();
    await page.getByLabel('Name').fill('Bad allowlist');
    await page.getByLabel('Only these addresses').check();
    const entry = page.getByLabel('Address or range 1', { exact: true });
    await entry.fill('10.0.0.0/33');
    await page.getByRole('button', { name: 'Create client' }).click();
    await page.getByText('"10.0.0.0/33" is not an IPv4/IPv6 address or CIDR').waitFor();
    expect(await entry.getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe(await entry.getAttribute('id'));
    expect(await count()).toBe(0);

    // What only the API can judge comes back as problem+json and lands next to the field it names.
    await entry.fill('10.0.0.0/8');
    await page.getByLabel('Name').fill('   ');
    await page.getByRole('button', { name: 'Create client' }).click();
    await page.getByRole('alert').getByText('Invalid request').waitFor();
    const name = page.getByLabel('Name');
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await name.getAttribute('aria-describedby'))!.split(' ');
    expect(await page.locator(`[id="${describedBy.at(-1)}"]`).innerText()).toContain('must be 1-200 characters');
    expect(await count()).toBe(0);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('heading', { level: 1, name: 'Clients' }).waitFor();
  });

  it('searches and filters the clients, listing what the API lists for the same filters', async () => {
    const { page } = admin;
    await createClient(server.url, adminApiToken, {
      name: 'Collector (paused)',
      role: 'read-only',
      status: 'inactive',
    });
    const listedByApi = async (query: string) =>
      (
        await api<{ items: { client_id: string }[] }>(server.url, adminApiToken, 'GET', `/clients?${query}`)
      ).body.items.map((client) => client.client_id);
    /** The table shows exactly these clients, once the filtered page has arrived. */
    const expectListed = async (clientIds: string[]) => {
      const listed = await pollUntil(
        () => page.locator('tbody th code').allInnerTexts(),
        (ids) => JSON.stringify(ids) === JSON.stringify(clientIds),
        10_000,
      );
      expect(listed).toEqual(clientIds);
    };

    await page.getByLabel('Name or client ID').fill('soar');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const bySearch = await listedByApi('q=soar');
    expect(bySearch).toEqual([soar.client_id]);
    await expectListed(bySearch);
    await page.getByText('Showing 1 client.').waitFor();

    await page.getByRole('button', { name: 'Clear' }).click();
    await expectListed(await listedByApi('limit=25'));
    await page.getByLabel('Status').selectOption('inactive');
    await page.getByLabel('Role').selectOption('read-only');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const inactiveReaders = await listedByApi('status=inactive&role=read-only');
    expect(inactiveReaders).toHaveLength(1);
    await expectListed(inactiveReaders);
    await page.getByRole('button', { name: 'Clear' }).click();
  });

  it(
    'edits a client, rotates its secret (shown once, with a grace period) and deletes it after a confirmation naming it',
    async () => {
      const { page } = admin;
      await page
        .getByRole('row')
        .filter({ hasText: soar.client_id })
        .getByRole('link', { name: 'SOAR playbooks' })
        .click();
      await page.getByRole('heading', { level: 1, name: 'SOAR playbooks' }).waitFor();

      await page.getByRole('button', { name: 'Edit' }).click();
      await page.getByLabel('Note').fill('prod playbooks, owned by the SOC');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('SOAR playbooks was saved.').waitFor();
      expect(await detail(page, 'Note')).toBe('prod playbooks, owned by the SOC');

      await page.getByRole('button', { name: 'Rotate secret' }).click();
      await dialog(page).getByLabel('Previous secret keeps working for').selectOption('3600');
      await dialog(page).getByRole('button', { name: 'Rotate secret' }).click();
      await page.getByText('Store the secret now: it cannot be shown again.').waitFor();
      await page.getByText('The previous secret keeps working until').waitFor();
      const rotated = await page.getByLabel('client_secret').inputValue();
      expect(rotated).not.toBe(soar.client_secret);
      expect((await requestToken(server.url, soar.client_id, rotated)).status).toBe(200);
      expect((await requestToken(server.url, soar.client_id, soar.client_secret)).status).toBe(200); // within the grace period
      await page.getByRole('button', { name: 'I have stored the secret' }).click();
      await page.getByRole('heading', { name: 'Live tokens' }).waitFor();
      expect(await page.content()).not.toContain(rotated);

      await page.getByRole('button', { name: 'Delete' }).click();
      const confirmation = dialog(page);
      await confirmation.getByRole('heading', { name: 'Delete SOAR playbooks?' }).waitFor();
      expect(await confirmation.innerText()).toContain(`“SOAR playbooks” (${soar.client_id})`);
      await screenshot(page, 'delete-confirmation', { fullPage: false });
      // Escape cancels, like the Cancel button: nothing is deleted.
      await page.keyboard.press('Escape');
      await confirmation.waitFor({ state: 'detached' });
      expect((await api(server.url, adminApiToken, 'GET', `/clients/${soar.client_id}`)).status).toBe(200);

      await page.getByRole('button', { name: 'Delete' }).click();
      await dialog(page).getByRole('button', { name: 'Delete SOAR playbooks' }).click();
      await page.getByRole('heading', { level: 1, name: 'Clients' }).waitFor();
      expect((await api(server.url, adminApiToken, 'GET', `/clients/${soar.client_id}`)).status).toBe(404);
      expect((await requestToken(server.url, soar.client_id, rotated)).status).toBe(401);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it('sees the signing keys, and an early rotation answered with the 409 wait', async () => {
    const { page } = admin;
    await goTo(page, 'Signing keys');
    await page.getByRole('heading', { level: 1, name: 'Signing keys' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'active' }).first().waitFor();
    const keys = (await api<{ items: { kid: string; status: string }[] }>(server.url, adminApiToken, 'GET', '/keys'))
      .body.items;
    for (const key of keys)
      expect(await page.getByRole('row').filter({ hasText: key.kid }).innerText()).toContain(key.status);
    await screenshot(page, 'signing-keys');

    await page.getByRole('button', { name: 'Rotate now' }).click();
    await dialog(page).getByRole('button', { name: 'Rotate now' }).click();
    const problem = dialog(page).getByRole('alert');
    await problem.waitFor();
    expect(await problem.innerText()).toMatch(/Conflict \(409\)[\s\S]*retry in \d+ s/);
    await dialog(page).getByRole('button', { name: 'Cancel' }).click();
    const after = (await api<{ items: { kid: string; status: string }[] }>(server.url, adminApiToken, 'GET', '/keys'))
      .body.items;
    expect(after).toEqual(keys);
  });

  it('reads the audit log with filters, opens an event and exports the filtered events as NDJSON', async () => {
    const { page } = admin;
    await server.app.flush(); // audit events are stored in batches
    await goTo(page, 'Audit log');
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await page.getByLabel('Event type').fill('client.deleted');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('Showing 1 event.').waitFor();
    const deleted = page.getByRole('row').filter({ hasText: soar.client_id });
    expect(await deleted.innerText()).toContain('client.deleted');
    await deleted.getByRole('button', { name: /client\.deleted .*details/ }).click();
    await page.locator('.event-details:not([hidden])').getByText('Request ID').waitFor();

    await page.getByLabel('Event type').fill('');
    await page.getByLabel('Client ID').fill(soar.client_id);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const expected = (
      await api<{ items: { id: string }[] }>(
        server.url,
        adminApiToken,
        'GET',
        `/audit-events?client_id=${soar.client_id}&limit=200`,
      )
    ).body.items;
    expect(expected.length).toBeGreaterThan(5);
    await page.getByText(`Showing ${expected.length} events.`).waitFor();
    await screenshot(page, 'audit-log');
    await expectNoSidewaysScroll(page);
    const [exported] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export NDJSON' }).click(),
    ]);
    expect(exported.suggestedFilename()).toMatch(/^tollgate-audit-.+\.ndjson$/);
    const lines = readFileSync((await exported.path())!, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; client_id: string });
    expect(lines.map((event) => event.id)).toEqual(expected.map((event) => event.id));
    await page.getByText(`Exported ${lines.length} events.`).waitFor();

    // A filter the API refuses is marked where it was entered.
    await page.getByLabel('From (your local time)').fill('2026-11-24T10:00');
    await page.getByLabel('Until (your local time)').fill('2026-11-24T09:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('must be later than since').waitFor();
    expect(await page.getByLabel('Until (your local time)').getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('button', { name: 'Clear' }).click();
  });

  it('keeps built-in roles read-only and creates and edits custom roles as sets of scopes', async () => {
    const { page } = admin;
    await goTo(page, 'Roles');
    const builtIn = page
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: 'analyst', exact: true }) });
    expect(await builtIn.innerText()).toContain('built-in, read-only');
    expect(await builtIn.getByRole('button').count()).toBe(0);

    await page.getByLabel('Name', { exact: true }).fill('siem-reader');
    await page.getByLabel('Scopes').fill('read, admin');
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.getByText('"admin": is reserved for the built-in admin roles').waitFor();
    await page.getByLabel('Scopes').fill('read siem:export');
    await page.getByLabel('Description').fill('Exports alerts to the SIEM');
    await page.getByRole('button', { name: 'Create role' }).click();
    const custom = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'siem-reader' }) });
    await custom.waitFor();
    expect(await custom.innerText()).toContain('read siem:export');

    await custom.getByRole('button', { name: 'Edit siem-reader' }).click();
    await dialog(page).getByLabel('Scopes').fill('read siem:export siem:ack');
    await dialog(page).getByRole('button', { name: 'Save role' }).click();
    await custom.getByText('read siem:export siem:ack').waitFor();
    const roles = (
      await api<{ items: { name: string; scopes: string[] }[] }>(server.url, adminApiToken, 'GET', '/roles')
    ).body.items;
    expect(roles.find((role) => role.name === 'siem-reader')?.scopes).toEqual(['read', 'siem:export', 'siem:ack']);
    await screenshot(page, 'roles');
  });

  it('switches the platform API off and on, each time after a confirmation', async () => {
    const { page } = admin;
    const reader = await createClient(server.url, adminApiToken, { name: 'reader', role: 'read-only' });
    await goTo(page, 'Settings');
    await page.getByText('The API is on for the whole platform').waitFor();
    await page.getByRole('button', { name: 'Switch the API off…' }).click();
    await dialog(page).getByRole('button', { name: 'Cancel' }).click();
    expect((await api(server.url, adminApiToken, 'GET', '/settings')).body.api_enabled).toBe(true);

    await page.getByRole('button', { name: 'Switch the API off…' }).click();
    await dialog(page).getByRole('button', { name: 'Switch the API off' }).click();
    await page.getByText('The API is off for the whole platform').waitFor();
    expect((await api(server.url, adminApiToken, 'GET', '/settings')).body.api_enabled).toBe(false);
    expect(await requestToken(server.url, reader.client_id, reader.client_secret)).toMatchObject({
      status: 400,
      body: { error: 'unauthorized_client' },
    });
    await screenshot(page, 'settings');

    await page.getByRole('button', { name: 'Switch the API on…' }).click();
    await dialog(page).getByRole('button', { name: 'Switch the API on' }).click();
    await page.getByText('The API is on for the whole platform').waitFor();
    expect((await requestToken(server.url, reader.client_id, reader.client_secret)).status).toBe(200);
  });

  it('creates, renames, switches and deletes organizations', async () => {
    const { page } = admin;
    await goTo(page, 'Organizations');
    await page.getByLabel("New organization's name").fill('Blue team');
    await page.getByRole('button', { name: 'Create organization' }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Blue team' }) });
    await row.waitFor();
    const organizations = () =>
      api<{ items: Organization[] }>(server.url, adminApiToken, 'GET', '/organizations?limit=200');
    const blue = (await organizations()).body.items.find((organization) => organization.name === 'Blue team')!;

    await row.getByRole('button', { name: 'Rename Blue team' }).click();
    await dialog(page).getByLabel('Name').fill('Blue team (EU)');
    await dialog(page).getByRole('button', { name: 'Rename' }).click();
    const renamed = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Blue team (EU)' }) });
    await renamed.getByRole('button', { name: 'Switch API off for Blue team (EU)' }).click();
    await dialog(page).getByRole('button', { name: 'Switch API off' }).click();
    await renamed.getByText('API off', { exact: true }).waitFor();
    expect((await api<Organization>(server.url, adminApiToken, 'GET', `/organizations/${blue.id}`)).body).toMatchObject(
      { name: 'Blue team (EU)', api_enabled: false },
    );
    await screenshot(page, 'organizations');

    await renamed.getByRole('button', { name: 'Delete Blue team (EU)' }).click();
    expect(await dialog(page).innerText()).toContain(`“Blue team (EU)” (${blue.id})`);
    await dialog(page).getByRole('button', { name: 'Delete Blue team (EU)' }).click();
    await renamed.waitFor({ state: 'detached' });
    expect((await api(server.url, adminApiToken, 'GET', `/organizations/${blue.id}`)).status).toBe(404);
  });

  it('is signed out when its token is revoked elsewhere, and signing out revokes the token', async () => {
    const { page } = admin;
    const first = claimsOf(consoleToken);
    expect(first.client_id).toBe(ADMIN_CLIENT_ID);
    expect(
      (await api(server.url, adminApiToken, 'DELETE', `/clients/${ADMIN_CLIENT_ID}/sessions/${first.jti}`)).status,
    ).toBe(204);
    await goTo(page, 'Clients');
    await page.getByText('Your session ended: its token was revoked').waitFor();

    const second = await signIn(admin, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET);
    expect((await introspect(server.url, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, second)).body?.active).toBe(true);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out').waitFor();
    expect((await introspect(server.url, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, second)).body).toEqual({
      active: false,
    });
    await expectNothingPersisted(admin);
  });
});

describe('a console session', () => {
  it('ends by itself when its token expires', async () => {
    const tab = await openConsole(browser, server.url, { fakeClock: true });
    try {
      const token = await signIn(tab, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET);
      await tab.page.getByText(`session ends`).waitFor();
      await tab.page.clock.fastForward('23:59:00');
      await tab.page.getByRole('heading', { level: 1, name: 'Clients' }).waitFor();
      await tab.page.clock.fastForward('00:01:01');
      await tab.page.getByText('Your session expired.').waitFor();
      expect(await tab.page.getByRole('navigation', { name: 'Console' }).count()).toBe(0);
      expect(claimsOf(token).exp - claimsOf(token).iat).toBe(86_400);
      expect(tab.faults).toEqual([]);
    } finally {
      await tab.context.close();
    }
  });
});

describe('an organization administrator', () => {
  let own: Organization;
  let other: Organization;
  let orgAdmin: CreatedClient;
  let ownClient: CreatedClient;
  let otherClient: CreatedClient;
  let tab: ConsoleTab;

  beforeAll(async () => {
    [own, other] = [
      await createOrganization(server.url, adminApiToken, 'Red team'),
      await createOrganization(server.url, adminApiToken, 'Other org'),
    ];
    orgAdmin = (await createOrganizationAdmin(server.url, adminApiToken, own.id)).client;
    ownClient = await createClient(server.url, adminApiToken, {
      name: 'Red collector',
      role: 'read-only',
      organization_id: own.id,
    });
    otherClient = await createClient(server.url, adminApiToken, {
      name: 'Other collector',
      role: 'read-only',
      organization_id: other.id,
    });
    tab = await openConsole(browser, server.url, { viewport: { width: 390, height: 844 } });
  });

  afterAll(async () => {
    await tab.context.close();
  });

  afterEach(() => {
    expect(tab.faults).toEqual([]);
  });

  it(
    "sees only its organization's clients and none of the platform pages",
    async () => {
      const { page } = tab;
      // By keyboard alone, on a phone-sized screen (390 CSS pixels: narrower than a laptop at 200 % zoom).
      await tokenObtainedBy(tab, async () => {
        await page.getByLabel('Client ID').focus();
        await page.keyboard.type(orgAdmin.client_id);
        await page.keyboard.press('Tab');
        await page.keyboard.type(orgAdmin.client_secret);
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { level: 1, name: 'Clients' }).waitFor();
      });
      // The new page's heading holds focus as soon as it shows, so Tab starts from the top of the page.
      expect(await page.evaluate<string>('document.activeElement.id')).toBe('page-title');
      await page.keyboard.press('Tab');
      expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('New client');
      expect(await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
      await page.getByRole('row').filter({ hasText: ownClient.client_id }).waitFor();
      await expectNoSidewaysScroll(page);
      const listed = await page.locator('tbody').innerText();
      expect(listed).toContain('Red collector');
      expect(listed).not.toContain(otherClient.client_id);
      expect(listed).not.toContain('Other collector');
      expect(await page.getByText(`Administrator of ${own.name}`).count()).toBe(1);
      await screenshot(page, 'clients-phone-org-admin');

      const navigation = await page.getByRole('navigation', { name: 'Console' }).innerText();
      expect(navigation).not.toContain('Signing keys');
      expect(navigation).not.toContain('Settings');
      expect(await page.getByLabel('Organization').count()).toBe(0);

      // Another organization's client does not exist for it, even by id.
      await navigate(page, `/console/clients/${otherClient.client_id}`);
      await page.getByRole('alert').getByText(`client ${otherClient.client_id} does not exist`).waitFor();

      await goTo(page, 'Clients');
      await page.getByRole('link', { name: 'New client' }).click();
      const roles = await page.getByLabel('Role').locator('option').allInnerTexts();
      expect(roles.some((role) => role.startsWith('admin') || role.startsWith('org-admin'))).toBe(false);
      await expectNoSidewaysScroll(page);
      await page.getByLabel('Name').fill('Red playbooks');
      await page.getByRole('button', { name: 'Create client' }).click();
      const created = await page.getByLabel('client_id').inputValue();
      expect((await api(server.url, adminApiToken, 'GET', `/clients/${created}`)).body.organization_id).toBe(own.id);
      await page.getByRole('button', { name: 'I have stored the secret' }).click();
      await expectNothingPersisted(tab);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it("switches its own organization's API, and sees no other organization", async () => {
    const { page } = tab;
    await goTo(page, 'Organizations');
    await page.getByRole('heading', { level: 1, name: 'Your organization' }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await page.locator('tbody').innerText()).not.toContain(other.name);
    expect(await page.getByRole('button', { name: /Delete|Rename/ }).count()).toBe(0);
    await page.getByRole('button', { name: `Switch API off for ${own.name}` }).click();
    await dialog(page).getByRole('button', { name: 'Switch API off' }).click();
    await page.getByText(`The API is off for ${own.name}.`).waitFor();
    expect(
      (await api<Organization>(server.url, adminApiToken, 'GET', `/organizations/${own.id}`)).body.api_enabled,
    ).toBe(false);
    expect((await requestToken(server.url, ownClient.client_id, ownClient.client_secret)).status).toBe(400);
    await page.getByRole('button', { name: `Switch API on for ${own.name}` }).click();
    await dialog(page).getByRole('button', { name: 'Switch API on' }).click();
    await page.getByText(`The API is on for ${own.name}.`).waitFor();

    await server.app.flush(); // audit events are stored in batches
    await goTo(page, 'Audit log');
    await page.getByRole('row').filter({ hasText: 'organization.updated' }).first().waitFor();
    expect(await page.locator('tbody').innerText()).not.toContain(other.id);
  });
});
