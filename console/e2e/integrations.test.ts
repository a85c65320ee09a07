// Browser test of the Integrations pages against a real Gatehouse server: an admin sets the org's egress
// allowlist, creates an integration with a secret (a password input, checked first here), and the secret is
// never in the page afterwards, only "credential set"; edits it keeping the credential, replaces the credential,
// grants it to an agent and takes the grant away, disables and enables it, and deletes it. Admins only.
// Run with `npx vitest run console/e2e/integrations.test.ts`; CONSOLE_E2E_SCREENSHOTS=1 saves
// /tmp/console-integration-create.png and /tmp/console-integration.png.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../server/test/client.js';
import { expectRefused, hasChromium, screenshot, useConsoleHarness } from './browser.js';

const SECRET = `sk_live_${randomBytes(16).toString('hex')}`;
const NEW_SECRET = `sk_live_${randomBytes(16).toString('hex')}`;

const field = (page: Page, testId: string) => page.locator('.field', { has: page.getByTestId(testId) });
const fieldError = (page: Page, testId: string) => field(page, testId).locator('.field-error').textContent();

/** Everything the page holds as text: its HTML (attributes too) and the live values of its inputs. */
async function everything(page: Page): Promise<string> {
  const values = await page
    .locator('input, textarea, select')
    .evaluateAll((els) => els.map((el) => (el as unknown as { value: string }).value));
  return `${await page.content()}\n${values.join('\n')}`;
}

describe.skipIf(!hasChromium)('integrations in the console', () => {
  const harness = useConsoleHarness();
  const { newPage, signIn, pageErrors } = harness;
  let server: typeof harness.server;
  let http: ReturnType<typeof client>;
  let adminToken: string;
  let admin: Page;
  let workerId = '';
  let integrationId = '';

  const apiIntegration = async () => {
    const r = await http.get(`/v1/integrations/${integrationId}`, adminToken);
    return r.body as {
      display_name: string;
      rate_limit_rpm: number | null;
      status: string;
      auth: Record<string, unknown>;
    };
  };

  beforeAll(async () => {
    server = harness.server;
    http = client(server);
    adminToken = await http.login(server.admin.email, server.admin.password);
    const agent = await http.post('/v1/agents', { name: 'worker' }, adminToken);
    expect(agent.status).toBe(201);
    workerId = agent.body.id;
    admin = await newPage();
    await signIn(admin, server.admin.email, server.admin.password);
    await admin.getByTestId('overview-org-name').waitFor();
  });

  it('sets the egress allowlist, and creates an integration whose secret never comes back', async () => {
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    await admin.getByTestId('integrations-empty').waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/integrations');

    // Egress: hosts and private addresses as chips, saved whole.
    await admin.getByTestId('egress-hosts-input').fill('api.billing.example.com ');
    await admin.getByTestId('egress-private-input').fill('10.0.0.5 ');
    await admin.getByTestId('egress-save').click();
    await admin.getByTestId('egress-saved').waitFor();
    expect((await http.get('/v1/egress', adminToken)).body).toMatchObject({
      hosts: ['api.billing.example.com'],
      allow_private: ['10.0.0.5'],
    });
    // A wrong entry is refused, on its input, and nothing changes.
    await admin.getByTestId('egress-private-input').fill('not-an-address ');
    await admin.getByTestId('egress-save').click();
    await expect.poll(() => fieldError(admin, 'egress-private-input')).toBeTruthy();
    expect((await http.get('/v1/egress', adminToken)).body.allow_private).toEqual(['10.0.0.5']);
    await admin.reload();
    await admin.getByTestId('integrations-empty').waitFor();

    // Checked here first.
    await admin.getByTestId('integration-create-empty').click();
    const dialog = admin.getByTestId('integration-dialog');
    await admin.getByTestId('integration-save').click();
    expect(await fieldError(admin, 'integration-name-input')).toBe(
      'Use lowercase letters, digits and dashes (a DNS label).',
    );
    expect(await fieldError(admin, 'integration-url-input')).toBe('Enter the base URL.');
    expect(await fieldError(admin, 'integration-auth-name')).toBe('Enter a header or query parameter name.');
    expect(await fieldError(admin, 'integration-credential-input')).toBe('Enter the api key.');

    await admin.getByTestId('integration-name-input').fill('billing');
    await admin.getByTestId('integration-display-name-input').fill('Billing API');
    await admin.getByTestId('integration-url-input').fill('https://api.billing.example.com/v1');
    await admin.getByTestId('integration-rate-input').fill('600');
    expect(await admin.getByTestId('integration-auth-type').inputValue()).toBe('api_key');
    await admin.getByTestId('integration-auth-name').fill('X-Api-Key');
    expect(await admin.getByTestId('integration-credential-input').getAttribute('type')).toBe('password');
    await admin.getByTestId('integration-credential-input').fill(SECRET);
    await screenshot(admin, '/tmp/console-integration-create.png');
    await admin.getByTestId('integration-save').click();
    await dialog.waitFor({ state: 'detached' });
    await admin.getByTestId('integration-overview').waitFor();
    integrationId = new URL(admin.url()).pathname.split('/').at(-1) ?? '';
    expect(integrationId).toMatch(/^int_/);

    expect(await admin.getByTestId('integration-name-value').textContent()).toBe('billing');
    expect(await admin.getByTestId('integration-url-value').textContent()).toBe(
      'https://api.billing.example.com/v1',
    );
    expect(await admin.getByTestId('integration-auth-value').textContent()).toBe(
      'API key in header X-Api-Key',
    );
    expect(await admin.getByTestId('integration-credential').textContent()).toBe('Credential set');
    expect(await admin.getByTestId('integration-rate-value').textContent()).toBe('600 requests per minute');
    // Write-only: not in the page, not in the API's answer.
    expect(await everything(admin)).not.toContain(SECRET);
    const stored = await apiIntegration();
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    expect(stored.auth).toMatchObject({
      type: 'api_key',
      in: 'header',
      name: 'X-Api-Key',
      credential_set: true,
    });

    // Listed; a second one with the same name is refused on the name.
    await admin.getByTestId('integrations-back').click();
    await admin.getByTestId('integration-row').first().waitFor();
    expect(await admin.getByTestId('integration-name').allTextContents()).toEqual(['billing']);
    expect(await admin.getByTestId('integration-auth').textContent()).toBe('API key in header X-Api-Key');
    expect(await everything(admin)).not.toContain(SECRET);
    await admin.getByTestId('integration-create').click();
    await admin.getByTestId('integration-name-input').fill('billing');
    await admin.getByTestId('integration-url-input').fill('https://api.billing.example.com/v2');
    await admin.getByTestId('integration-auth-type').selectOption('bearer');
    await admin.getByTestId('integration-credential-input').fill('another-token');
    await admin.getByTestId('integration-save').click();
    await expect
      .poll(() => fieldError(admin, 'integration-name-input'))
      .toBe('Another integration has this name.');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('edits keeping the credential, replaces it, and never shows either', async () => {
    await admin.goto(`${server.url}/console/integrations/${integrationId}`);
    await admin.getByTestId('integration-overview').waitFor();
    const before = await apiIntegration();

    await admin.getByTestId('integration-edit').click();
    const dialog = admin.getByTestId('integration-dialog');
    // The stored credential is kept unless replaced: no input for it, just that it is set.
    expect(await dialog.getByTestId('integration-credential-input').count()).toBe(0);
    expect(await dialog.getByTestId('integration-credential').textContent()).toBe('Credential set');
    await admin.getByTestId('integration-display-name-input').fill('Billing (prod)');
    await admin.getByTestId('integration-rate-input').fill('');
    // A new method needs its credential.
    await admin.getByTestId('integration-auth-type').selectOption('bearer');
    await admin.getByTestId('integration-save').click();
    expect(await fieldError(admin, 'integration-credential-input')).toBe('Enter the token.');
    await admin.getByTestId('integration-auth-type').selectOption('api_key');
    expect(await dialog.getByTestId('integration-credential-input').count()).toBe(0);
    await admin.getByTestId('integration-save').click();
    await dialog.waitFor({ state: 'detached' });
    const edited = await apiIntegration();
    expect(edited).toMatchObject({ display_name: 'Billing (prod)', rate_limit_rpm: null });
    expect(edited.auth.credential_updated_at).toBe(before.auth.credential_updated_at);
    expect(await admin.getByTestId('integration-rate-value').textContent()).toBe('None');

    // Replaced: a fresh, empty password input; afterwards the page still shows neither secret.
    await admin.getByTestId('integration-replace-credential').click();
    expect(await admin.getByTestId('integration-credential-input').inputValue()).toBe('');
    await admin.getByTestId('integration-credential-input').fill(NEW_SECRET);
    await admin.getByTestId('integration-save').click();
    await dialog.waitFor({ state: 'detached' });
    await expect
      .poll(async () => (await apiIntegration()).auth.credential_updated_at)
      .not.toBe(before.auth.credential_updated_at);
    const html = await everything(admin);
    expect(html).not.toContain(SECRET);
    expect(html).not.toContain(NEW_SECRET);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('grants it to an agent and takes the grant away; disables, enables and deletes it', async () => {
    await admin.goto(`${server.url}/console/integrations/${integrationId}`);
    await admin.getByTestId('integration-grants-empty').waitFor();
    await admin.getByTestId('integration-grant-select').selectOption({ label: 'worker' });
    await admin.getByTestId('integration-grant-add').click();
    const row = admin.locator(`[data-testid="integration-grant-row"][data-agent="${workerId}"]`);
    await row.waitFor();
    expect(await row.getByTestId('integration-grant-agent').textContent()).toBe('worker');
    const grants = await http.get(`/v1/integrations/${integrationId}/grants`, adminToken);
    expect((grants.body.items as Array<{ agent_id: string }>).map((g) => g.agent_id)).toEqual([workerId]);
    // A granted agent is not offered again.
    expect(await admin.getByTestId('integration-grant-select').locator('option').allTextContents()).toEqual([
      'Choose an agent…',
    ]);
    await screenshot(admin, '/tmp/console-integration.png');

    await row.getByTestId('integration-grant-remove').click();
    await admin.getByTestId('confirm-dialog').getByRole('button', { name: 'Remove grant' }).click();
    await admin.getByTestId('integration-grants-empty').waitFor();
    expect((await http.get(`/v1/integrations/${integrationId}/grants`, adminToken)).body.items).toEqual([]);

    await admin.getByTestId('integration-disable').click();
    await admin.getByTestId('integration-disabled-banner').waitFor();
    expect(await admin.getByTestId('integration-status').getAttribute('data-status')).toBe('disabled');
    expect((await apiIntegration()).status).toBe('disabled');
    await admin.getByTestId('integration-enable').click();
    await expect
      .poll(() => admin.getByTestId('integration-status').getAttribute('data-status'))
      .toBe('active');
    expect((await apiIntegration()).status).toBe('active');

    await admin.getByTestId('integration-delete').click();
    const confirm = admin.getByTestId('confirm-dialog');
    expect(await confirm.textContent()).toContain('final');
    await confirm.getByRole('button', { name: 'Delete integration' }).click();
    await admin.getByTestId('integrations-empty').waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/integrations');
    expect((await http.get(`/v1/integrations/${integrationId}`, adminToken)).status).toBe(404);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('is for admins only: no sidebar entry, no integrations, and the API refuses too', async () => {
    await expectRefused(harness, adminToken, {
      email: 'integrations-manager@example.com',
      link: 'Integrations',
      pages: [
        {
          path: '/integrations',
          forbidden: 'integrations-forbidden',
          absent: ['integration-create', 'integration-row', 'egress-card'],
        },
        {
          path: `/integrations/${integrationId}`,
          forbidden: 'integrations-forbidden',
          absent: ['integration-edit'],
        },
      ],
      api: [
        { path: '/v1/integrations' },
        { path: '/v1/egress' },
        {
          method: 'POST',
          path: '/v1/integrations',
          body: { name: 'x', base_url: 'https://x.example.com', auth: { type: 'bearer', token: 't' } },
        },
      ],
    });
  }, 60_000);
});
