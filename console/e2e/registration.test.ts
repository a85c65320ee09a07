// Browser test of the Client registration page against a real Gatehouse server: an admin turns registration
// on with a default scope, issues an initial access token and reads it off the page once, a client registers
// with it at POST /oauth/register, and after the admin revokes it in the page the same registration is
// refused. The page and its sidebar entry are for admins only.
// Run with `npx vitest run console/e2e/registration.test.ts`; CONSOLE_E2E_SCREENSHOTS=1 saves screenshots.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../server/test/client.js';
import { expectRefused, hasChromium, screenshot, useConsoleHarness } from './browser.js';

describe.skipIf(!hasChromium)('client registration in the console', () => {
  const harness = useConsoleHarness();
  const { newPage, signIn, pageErrors } = harness;
  let server: typeof harness.server;
  let http: ReturnType<typeof client>;
  let adminToken: string;
  let admin: Page;

  const register = (token: string, client_name: string) =>
    http.call('POST', '/oauth/register', {
      body: { client_name, scope: 'mcp:read' },
      headers: { authorization: `Bearer ${token}` },
    });
  const settings = async () => (await http.get('/v1/registration', adminToken)).body;

  beforeAll(async () => {
    server = harness.server;
    http = client(server);
    adminToken = await http.login(server.admin.email, server.admin.password);
    admin = await newPage();
    await signIn(admin, server.admin.email, server.admin.password);
    await admin.getByTestId('overview-org-name').waitFor();
  });

  it('enables registration with a scope, issues a token shown once that registers a client, and revokes it', async () => {
    await admin
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Client registration' })
      .click();
    await admin.getByTestId('registration-settings-form').waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/registration');
    expect(await admin.getByTestId('registration-enabled').inputValue()).toBe('off');
    await admin.getByTestId('iat-empty').waitFor();

    // Settings: on, with one default scope.
    await admin.getByTestId('registration-enabled').selectOption('on');
    await admin.getByTestId('registration-scopes').fill('mcp:read ');
    await admin.getByTestId('registration-save').click();
    await admin.getByTestId('registration-saved').waitFor();
    expect(await settings()).toMatchObject({ enabled: true, default_scopes: ['mcp:read'] });

    // A token with a use limit, shown once with its warning.
    await admin.getByTestId('iat-create-empty').click();
    await admin.getByTestId('iat-max-uses').fill('5');
    await admin.getByTestId('iat-create-submit').click();
    await admin.getByTestId('iat-issued').waitFor();
    expect(await admin.getByTestId('iat-token-once').textContent()).toContain(
      'You will not see this token again',
    );
    const token = await admin.getByTestId('iat-token').inputValue();
    const id = (await admin.getByTestId('iat-issued').getAttribute('data-id')) ?? '';
    expect(token.length).toBeGreaterThan(20);
    await screenshot(admin, '/tmp/console-registration-token.png');
    await admin.getByTestId('iat-done').click();
    await admin.getByTestId('iat-dialog').waitFor({ state: 'detached' });
    const row = admin.locator(`[data-testid="iat-row"][data-id="${id}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('active');
    // The page never shows the token again.
    expect(await admin.content()).not.toContain(token);

    // The token read off the page is real: a client registers with it.
    const registered = await register(token, 'console-registered');
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body.scope).toBe('mcp:read');
    await admin.reload();
    await row.waitFor();
    expect(await row.getByTestId('iat-uses').textContent()).toBe('1');
    expect(await row.textContent()).toContain('5');

    // Revoke behind a confirmation: cancelling keeps it working.
    await row.getByTestId('iat-revoke').click();
    const confirm = admin.getByTestId('confirm-dialog');
    expect(await confirm.textContent()).toContain(id);
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await row.getAttribute('data-status')).toBe('active');

    await row.getByTestId('iat-revoke').click();
    await confirm.getByRole('button', { name: 'Revoke token' }).click();
    await confirm.waitFor({ state: 'detached' });
    await expect.poll(() => row.getAttribute('data-status')).toBe('revoked');
    expect(await row.getByTestId('iat-revoke').count()).toBe(0);
    await screenshot(admin, '/tmp/console-registration.png');

    const refused = await register(token, 'console-refused');
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_token');
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('refuses an invalid scope in the form without saving it', async () => {
    await admin.goto(`${server.url}/console/registration`);
    await admin.getByTestId('registration-settings-form').waitFor();
    await admin.getByTestId('registration-scopes').fill('bad"scope ');
    await admin.getByTestId('registration-save').click();
    expect(await admin.getByTestId('registration-settings-form').textContent()).toContain(
      'is not a valid scope',
    );
    expect((await settings()).default_scopes).toEqual(['mcp:read']);
  }, 60_000);

  it('is for admins only: no sidebar entry and no settings for a member', async () => {
    // The server agrees: both the settings and making tokens are refused to a non-admin.
    await expectRefused(harness, adminToken, {
      email: 'registration-member@example.com',
      link: 'Client registration',
      pages: [
        {
          path: '/registration',
          forbidden: 'registration-forbidden',
          absent: ['iat-create', 'registration-settings-form'],
        },
      ],
      api: [{ path: '/v1/registration' }, { method: 'POST', path: '/v1/registration/tokens', body: {} }],
    });
  }, 60_000);
});
