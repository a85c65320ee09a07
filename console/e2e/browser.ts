// The browser harness the console's e2e tests share: a real Gatehouse server (server/test/harness.ts), the
// built console it serves, and headless Chromium. Importing it checks for the browser: without one the
// tests skip (`describe.skipIf(!hasChromium)`), unless CI set GATEHOUSE_REQUIRE_BROWSER, which fails the run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { client } from '../../server/test/client.js';
import { startTestServer, type TestServer } from '../../server/test/harness.js';

const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
// CI sets GATEHOUSE_REQUIRE_BROWSER so that a missing browser fails the run instead of skipping.
if (!hasChromium && process.env.GATEHOUSE_REQUIRE_BROWSER) {
  throw new Error(`chromium not found at ${CHROMIUM}, and GATEHOUSE_REQUIRE_BROWSER is set`);
}
if (!hasChromium) console.log(`browser tests skipped: chromium not found at ${CHROMIUM}`);

/** With CONSOLE_E2E_SCREENSHOTS=1, saves the whole page as a PNG at `path`, to look at after the run. */
export async function screenshot(page: Page, path: string): Promise<void> {
  if (process.env.CONSOLE_E2E_SCREENSHOTS) await page.screenshot({ path, fullPage: true });
}

const CONSOLE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The server serves console/dist; build it once if this checkout has not (npm test builds it first). */
function ensureConsoleBuilt() {
  if (existsSync(`${CONSOLE_DIR}dist/index.html`)) return;
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: CONSOLE_DIR, stdio: 'inherit' });
}

export interface ConsoleHarness {
  /** The server; set once the suite's beforeAll has run. */
  readonly server: TestServer;
  /** A page in a browser context of its own (its own cookies), 1360×900. */
  newPage(): Promise<Page>;
  signIn(page: Page, email: string, password: string): Promise<void>;
  /** Uncaught errors from every page; tests expect it to stay empty. */
  readonly pageErrors: string[];
}

/** Starts a server and a browser for the enclosing `describe` (call it there), and stops them after. */
export function useConsoleHarness(): ConsoleHarness {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureConsoleBuilt();
    server = await startTestServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    for (const ctx of contexts) await ctx.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  const started = () => {
    if (!server) throw new Error('the server starts in beforeAll');
    return server;
  };

  return {
    get server() {
      return started();
    },
    async newPage() {
      if (!browser) throw new Error('the browser starts in beforeAll');
      const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
      ctx.setDefaultTimeout(15_000);
      contexts.push(ctx);
      const page = await ctx.newPage();
      page.on('pageerror', (err) => pageErrors.push(err.message));
      return page;
    },
    async signIn(page, email, password) {
      await page.goto(`${started().url}/console/login`);
      await page.getByTestId('login-email').fill(email);
      await page.getByTestId('login-password').fill(password);
      await page.getByTestId('login-submit').click();
    },
    pageErrors,
  };
}

/** What a role below a page's must not see or do: the pages it opens, and the API calls refused to it. */
export interface RefusalCheck {
  /** A new member of the org is invited with this address and role, and signs in. */
  email: string;
  /** Default: manager, the role just below admin. */
  role?: 'manager' | 'member' | 'viewer';
  /** The sidebar entry the role must not have. */
  link: string;
  /** Each console path (under /console) shows its forbidden state, and none of the `absent` test ids. */
  pages: ReadonlyArray<{ path: string; forbidden: string; absent?: readonly string[] }>;
  /** API calls the server refuses with 403 to the member's own session. */
  api: ReadonlyArray<{ method?: string; path: string; body?: unknown }>;
}

/**
 * Checks that a page is not for `check.role`: no sidebar entry, a forbidden state on each page and no
 * controls, and the server refuses the API too. Returns the member's page, left on the last path, for
 * checks of its own.
 */
export async function expectRefused(
  harness: ConsoleHarness,
  adminToken: string,
  check: RefusalCheck,
): Promise<{ page: Page; token: string }> {
  const { server } = harness;
  const http = client(server);
  const member = await http.addMember(adminToken, check.email, check.role ?? 'manager');
  const page = await harness.newPage();
  await harness.signIn(page, check.email, member.password);
  await page.getByTestId('overview-org-name').waitFor();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Agents' }).waitFor();
  expect(await nav.getByRole('link', { name: check.link, exact: true }).count()).toBe(0);
  for (const { path, forbidden, absent = [] } of check.pages) {
    await page.goto(`${server.url}/console${path}`);
    await page.getByTestId(forbidden).waitFor();
    for (const testId of absent) expect(await page.getByTestId(testId).count(), testId).toBe(0);
  }
  for (const { method = 'GET', path, body } of check.api) {
    const r = await http.call(method, path, { token: member.token, ...(body === undefined ? {} : { body }) });
    expect(r.status, `${method} ${path}`).toBe(403);
  }
  expect(harness.pageErrors).toEqual([]);
  return { page, token: member.token };
}
