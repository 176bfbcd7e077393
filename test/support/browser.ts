import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { waitFor } from './poll.js';

/** Debian's chromium package (`.ci/run` installs it): never a browser downloaded by a test tool. */
const CHROMIUM = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface ConsoleTab {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Content-Security-Policy violations and script errors the page reported: there must be none. */
  readonly faults: string[];
  /** Every access token the page obtained from the token endpoint, newest last. */
  readonly tokens: string[];
}

/**
 * A fresh browser context (no shared storage) with one page on the console, its clipboard usable,
 * recording what the page got from /token and whatever it did wrong.
 */
export async function openConsole(
  browser: Browser,
  baseUrl: string,
  options: { viewport?: { width: number; height: number }; fakeClock?: boolean } = {},
): Promise<ConsoleTab> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  // The page's clock and timers, under the test's control (page.clock.fastForward): time still flows.
  if (options.fakeClock) await context.clock.install();
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const faults: string[] = [];
  const tokens: string[] = [];
  page.on('pageerror', (error) => faults.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text()))
      faults.push(message.text());
  });
  page.on('response', (response) => {
    if (new URL(response.url()).pathname === '/token' && response.request().method() === 'POST' && response.ok()) {
      response.json().then(
        (body: { access_token: string }) => tokens.push(body.access_token),
        (error: Error) => faults.push(`token response unreadable: ${error.message}`),
      );
    }
  });
  await page.goto(`${baseUrl}/console`);
  return { context, page, faults, tokens };
}

/** Runs `action` and returns the access token the page obtained during it. */
export async function tokenObtainedBy(tab: ConsoleTab, action: () => Promise<void>): Promise<string> {
  const before = tab.tokens.length;
  await action();
  return waitFor('the access token the page obtained', 10_000, async () => tab.tokens[before]);
}

export async function submitSignIn(page: Page, clientId: string, clientSecret: string): Promise<void> {
  await page.getByLabel('Client ID').fill(clientId);
  await page.getByLabel('Client secret').fill(clientSecret);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in and returns the console's access token (captured from the network, as an attacker could not). */
export function signIn(tab: ConsoleTab, clientId: string, clientSecret: string): Promise<string> {
  return tokenObtainedBy(tab, async () => {
    await submitSignIn(tab.page, clientId, clientSecret);
    await tab.page.getByRole('heading', { level: 1, name: 'Clients' }).waitFor();
  });
}

/** Client-side navigation to a console URL, as the console's own links do (no reload). */
export async function navigate(page: Page, path: string): Promise<void> {
  await page.evaluate(
    `history.pushState(null, '', ${JSON.stringify(path)}); dispatchEvent(new PopStateEvent('popstate'))`,
  );
}

/** Follows a console link in the page, as a user would (a reload would sign the page out). */
export async function goTo(page: Page, linkName: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: linkName }).click();
}

/** Everything the page could have persisted: web storage and cookies (script-readable or not). */
export async function persistedState(tab: ConsoleTab): Promise<string> {
  // A string, evaluated in the page: this project's TypeScript has no DOM types.
  const storage = await tab.page.evaluate<string>(
    'JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })',
  );
  return `${storage} ${JSON.stringify(await tab.context.cookies())}`;
}
