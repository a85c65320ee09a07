// Browser test of the console against a real Gatehouse server (server/test/harness.ts).
// Run with `npx vitest run console/e2e`; set CONSOLE_E2E_SCREENSHOTS=1 to save /tmp/console-users.png,
// /tmp/console-account-sessions.png (two sessions) and /tmp/console-account.png (after a password change).
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, screenshot, useConsoleHarness } from './browser.js';

const NEW_USER = { email: 'new.user@example.com', name: 'Nova User', password: 'a-long-enough-passphrase' };
const NEW_ADMIN_PASSWORD = 'a brand new admin passphrase';

describe.skipIf(!hasChromium)('console in a browser', () => {
  const harness = useConsoleHarness();
  const { newPage, signIn, pageErrors } = harness;
  let server: typeof harness.server;
  beforeAll(() => {
    server = harness.server;
  });

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
    await screenshot(admin, '/tmp/console-users.png');
    expect(pageErrors).toEqual([]);
  }, 90_000);

  // Changes the admin's password, so it runs last.
  it('lists your sessions, signs another one out, and changes your password', async () => {
    const first = await newPage();
    const second = await newPage();
    for (const page of [first, second]) {
      await signIn(page, server.admin.email, server.admin.password);
      await page.getByTestId('overview-org-name').waitFor();
    }
    const sessionId = (page: Page) =>
      page.evaluate(async () => {
        const res = await fetch('/v1/auth/session');
        return ((await res.json()) as { session: { id: string } }).session.id;
      });
    const [firstId, secondId] = [await sessionId(first), await sessionId(second)];

    await first.getByTestId('current-user-account').click();
    await first.getByTestId('sessions-table').waitFor();
    expect(new URL(first.url()).pathname).toBe('/console/account');
    expect(await first.getByTestId('profile-email').textContent()).toBe(server.admin.email);
    const row = (id: string) => first.locator(`[data-testid="session-row"][data-session-id="${id}"]`);
    // Both browsers are listed (with the earlier test's admin session); only this one is current.
    expect(await first.getByTestId('session-row').count()).toBeGreaterThanOrEqual(2);
    expect(await first.locator('[data-testid="session-row"][data-current="true"]').count()).toBe(1);
    expect(await row(firstId).getAttribute('data-current')).toBe('true');
    expect(await row(firstId).textContent()).toContain('This session');
    expect(await row(firstId).getByTestId('session-sign-out').count()).toBe(0);
    expect(await row(secondId).getAttribute('data-current')).toBe('false');
    expect(await row(secondId).getByTestId('session-device').textContent()).toBe('Chrome on Linux');

    await screenshot(first, '/tmp/console-account-sessions.png');
    await row(secondId).getByTestId('session-sign-out').click();
    await row(secondId).waitFor({ state: 'detached' });
    await second.reload();
    await second.getByTestId('login-form').waitFor();
    expect(new URL(second.url()).pathname).toBe('/console/login');

    // A wrong current password is shown on its field; it is a 401, but the session stays.
    await first.getByTestId('password-current').fill('not the current password');
    await first.getByTestId('password-new').fill(NEW_ADMIN_PASSWORD);
    await first.getByTestId('password-confirm').fill(NEW_ADMIN_PASSWORD);
    await first.getByTestId('password-submit').click();
    const currentField = first.locator('.field', { has: first.getByTestId('password-current') });
    await currentField.locator('.field-error').waitFor();
    expect(await currentField.locator('.field-error').textContent()).toContain('not your current password');
    expect(new URL(first.url()).pathname).toBe('/console/account');

    await first.getByTestId('password-current').fill(server.admin.password);
    await first.getByTestId('password-submit').click();
    expect(await first.getByTestId('password-changed').textContent()).toBe(
      'Password changed. Your other sessions were signed out.',
    );
    for (const field of ['password-current', 'password-new', 'password-confirm']) {
      expect(await first.getByTestId(field).inputValue()).toBe('');
    }
    // Every other session ended with the change, so only this one is left.
    await first.getByTestId('sessions-empty').waitFor();
    expect(await first.getByTestId('session-row').count()).toBe(1);
    await screenshot(first, '/tmp/console-account.png');

    const login = (password: string) =>
      fetch(`${server.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: server.admin.email, password }),
      });
    expect((await login(NEW_ADMIN_PASSWORD)).status).toBe(200);
    expect((await login(server.admin.password)).status).toBe(401);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
