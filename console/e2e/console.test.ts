// Browser test of the console against a real Gatehouse server (server/test/harness.ts).
// Run with `npx vitest run console/e2e`; set CONSOLE_E2E_SCREENSHOTS=1 to save /tmp/console-users.png.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
// CI sets GATEHOUSE_REQUIRE_BROWSER so that a missing browser fails the run instead of skipping.
if (!hasChromium && process.env.GATEHOUSE_REQUIRE_BROWSER) {
  throw new Error(`chromium not found at ${CHROMIUM}, and GATEHOUSE_REQUIRE_BROWSER is set`);
}
if (!hasChromium) console.log(`browser tests skipped: chromium not found at ${CHROMIUM}`);

const CONSOLE_DIR = fileURLToPath(new URL('..', import.meta.url));
const NEW_USER = { email: 'new.user@example.com', name: 'Nova User', password: 'a-long-enough-passphrase' };

/** The server serves console/dist; build it once if this checkout has not (npm test builds it first). */
function ensureConsoleBuilt() {
  if (existsSync(`${CONSOLE_DIR}dist/index.html`)) return;
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: CONSOLE_DIR, stdio: 'inherit' });
}

describe.skipIf(!hasChromium)('console in a browser', () => {
  let server: TestServer;
  let browser: Browser;
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

  async function newPage(): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    ctx.setDefaultTimeout(15_000);
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    return page;
  }

  async function signIn(page: Page, email: string, password: string) {
    await page.goto(`${server.url}/console/login`);
    await page.getByTestId('login-email').fill(email);
    await page.getByTestId('login-password').fill(password);
    await page.getByTestId('login-submit').click();
  }

  it('sends a signed-out visitor to the login page', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/console/users`);
    await page.getByTestId('login-form').waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/login');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('shows the API error for a wrong password', async () => {
    const page = await newPage();
    await signIn(page, server.admin.email, 'definitely-not-the-password');
    const banner = page.getByTestId('error-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Invalid email or password');
    expect(new URL(page.url()).pathname).toBe('/console/login');
  }, 60_000);

  it('invites a user who accepts the link in another browser and shows up as a member', async () => {
    const admin = await newPage();
    await signIn(admin, server.admin.email, server.admin.password);
    await admin.getByTestId('overview-org-name').waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/');

    await admin
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Users & roles' })
      .click();
    await admin.getByTestId('members-table').waitFor();
    await admin.getByTestId('invite-user').click();
    await admin.getByTestId('invite-email').fill(NEW_USER.email);
    await admin.getByTestId('invite-role').selectOption('member');
    await admin.getByTestId('invite-submit').click();
    const link = await admin.getByTestId('invite-link').inputValue();
    expect(link).toMatch(/\/console\/accept-invite#token=ghi_/);
    await admin.getByTestId('invite-done').click();
    await admin.locator(`[data-testid="invitation-row"][data-email="${NEW_USER.email}"]`).waitFor();

    expect(link.startsWith(`${server.url}/console/accept-invite#token=`)).toBe(true);
    const invitee = await newPage();
    await invitee.goto(link);
    expect(await invitee.getByTestId('invite-email').textContent()).toBe(NEW_USER.email);
    await invitee.getByTestId('accept-name').fill(NEW_USER.name);
    await invitee.getByTestId('accept-password').fill(NEW_USER.password);
    await invitee.getByTestId('accept-confirm').fill(NEW_USER.password);
    await invitee.getByTestId('accept-submit').click();
    await invitee.getByTestId('overview-org-name').waitFor();
    expect(new URL(invitee.url()).pathname).toBe('/console/');
    expect(await invitee.getByTestId('current-user').textContent()).toContain(NEW_USER.name);
    expect(await invitee.getByTestId('overview-org').locator('[data-role]').getAttribute('data-role')).toBe(
      'member',
    );

    await admin.reload();
    const row = admin.locator(`[data-testid="member-row"][data-email="${NEW_USER.email}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-role')).toBe('member');
    expect(await row.getByTestId('member-role-select').inputValue()).toBe('member');
    expect(await row.textContent()).toContain(NEW_USER.name);
    expect(
      await admin.locator(`[data-testid="invitation-row"][data-email="${NEW_USER.email}"]`).count(),
    ).toBe(0);
    if (process.env.CONSOLE_E2E_SCREENSHOTS)
      await admin.screenshot({ path: '/tmp/console-users.png', fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
