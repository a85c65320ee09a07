// Browser test of an agent's Credentials card against a real Gatehouse server: a client secret is shown
// once with a copy button, and the secret shown is the real one (it gets a token at /oauth/token); the list
// never shows a secret; rotation shows a new secret and how long the old one lasts; revocation is confirmed
// and stops the secret; an API key and a private_key_jwt credential are made too.
// Run with `npx vitest run console/e2e/credentials.test.ts`; CONSOLE_E2E_SCREENSHOTS=1 saves
// /tmp/console-credential-secret.png (the one-time secret) and /tmp/console-credentials.png (the list).
import { generateKeyPairSync } from 'node:crypto';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GatehouseClient } from '../../sdk/src/index.js';
import { hasChromium, screenshot, useConsoleHarness } from './browser.js';

const ONCE = 'You will not see this secret again';

const rows = (page: Page) => page.getByTestId('credential-row');
const row = (page: Page, id: string) => page.locator(`[data-testid="credential-row"][data-id="${id}"]`);
const listed = (page: Page) =>
  rows(page).evaluateAll((els) =>
    els.map((el) => `${el.getAttribute('data-type')}:${el.getAttribute('data-status')}`),
  );
const field = (page: Page, testId: string) => page.locator('.field', { has: page.getByTestId(testId) });

describe.skipIf(!hasChromium)('agent credentials in the console', () => {
  const harness = useConsoleHarness();
  const { newPage, signIn, pageErrors } = harness;
  let server: typeof harness.server;
  let admin: Page;
  let agentUrl: string;

  /** POST /oauth/token, client_credentials with client_secret_basic. */
  const token = (clientId: string, secret: string) =>
    fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });

  beforeAll(async () => {
    server = harness.server;
    const gh = new GatehouseClient({ baseUrl: server.url });
    await gh.login(server.admin.email, server.admin.password);
    const agent = await gh.agents.create({ name: 'ledger-bot', allowed_scopes: ['ledger:read'] });
    agentUrl = `${server.url}/console/agents/${agent.id}`;
    admin = await newPage();
    // The copy button writes to the clipboard; the test reads it back.
    await admin.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await signIn(admin, server.admin.email, server.admin.password);
    await admin.getByTestId('overview-org-name').waitFor();
  });

  async function openAgent(page: Page) {
    await page.goto(agentUrl);
    await page.getByTestId('credentials-card').waitFor();
    await page
      .locator('[data-testid="credentials-table"], [data-testid="credentials-empty"]')
      .first()
      .waitFor();
  }

  let clientId = '';
  let credentialId = '';
  let firstSecret = '';
  let rotatedSecret = '';

  it('creates a client secret and shows it exactly once, and the secret shown gets a token', async () => {
    await openAgent(admin);
    await admin.getByTestId('credentials-empty').waitFor();
    await admin.getByTestId('credential-create-empty').click();
    const dialog = admin.getByTestId('credential-dialog');
    expect(await admin.getByTestId('credential-type').inputValue()).toBe('client_secret');

    // An expiry in the past is caught here, before anything is sent.
    await admin.getByTestId('credential-expires').fill('2020-01-01T09:00');
    await admin.getByTestId('credential-create-submit').click();
    expect(await field(admin, 'credential-expires').locator('.field-error').textContent()).toBe(
      'Pick a time in the future.',
    );
    await admin.getByTestId('credential-expires').fill('');
    await admin.getByTestId('credential-create-submit').click();

    const secretInput = dialog.getByTestId('credential-secret');
    await secretInput.waitFor();
    const secret = await secretInput.inputValue();
    firstSecret = secret;
    clientId = await dialog.getByTestId('credential-client-id').inputValue();
    credentialId = (await dialog.getByTestId('credential-issued').getAttribute('data-id')) ?? '';
    expect(secret).toMatch(/^ghcs_[A-Za-z0-9_-]{43}$/);
    expect(clientId).toMatch(/^ghc_[0-9a-z]{26}$/);
    expect(credentialId).toMatch(/^crd_[0-9a-z]{26}$/);
    expect(await dialog.getByTestId('credential-secret-once').textContent()).toContain(ONCE);

    // The copy button puts exactly the secret on the clipboard.
    const copy = dialog.getByRole('button', { name: 'Copy client secret' });
    await copy.click();
    await expect.poll(() => copy.textContent()).toBe('Copied');
    expect(await admin.evaluate('navigator.clipboard.readText()')).toBe(secret);
    await screenshot(admin, '/tmp/console-credential-secret.png');

    // The UI shows the real secret: it authenticates at the token endpoint.
    const issued = await token(clientId, secret);
    expect(issued.status).toBe(200);
    expect(((await issued.json()) as { token_type: string }).token_type).toBe('Bearer');
    expect((await token(clientId, `${secret}x`)).status).toBe(401);

    // A stray Escape does not lose the secret; only the button closes the dialog.
    await admin.keyboard.press('Escape');
    expect(await secretInput.inputValue()).toBe(secret);
    await dialog.getByTestId('credential-done').click();
    await dialog.waitFor({ state: 'detached' });

    // Listed by its client id, never with the secret, then or after a reload.
    await row(admin, credentialId).waitFor();
    expect(await listed(admin)).toEqual(['client_secret:active']);
    expect(await row(admin, credentialId).getByTestId('credential-identifier').textContent()).toBe(clientId);
    expect(await admin.content()).not.toContain(secret);
    await openAgent(admin);
    await row(admin, credentialId).waitFor();
    expect(await admin.content()).not.toContain(secret);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('rotates: a new secret shown once, the old one working until the grace ends', async () => {
    await openAgent(admin);
    await row(admin, credentialId).getByTestId('credential-rotate').click();
    const dialog = admin.getByTestId('rotate-dialog');
    expect(await admin.getByTestId('rotate-grace').inputValue()).toBe('3600');
    await admin.getByTestId('rotate-grace').selectOption('300');
    const before = Date.now();
    await admin.getByTestId('rotate-submit').click();

    const secretInput = dialog.getByTestId('credential-secret');
    await secretInput.waitFor();
    rotatedSecret = await secretInput.inputValue();
    expect(rotatedSecret).toMatch(/^ghcs_/);
    expect(await dialog.getByTestId('credential-client-id').inputValue()).toBe(clientId);
    expect(await dialog.getByTestId('credential-secret-once').textContent()).toContain(ONCE);
    expect(await dialog.getByRole('button', { name: 'Copy client secret' }).count()).toBe(1);
    const until = dialog.getByTestId('credential-previous-until');
    expect(await until.textContent()).toContain('The previous secret keeps working until');
    expect(await until.textContent()).toContain('in 5 minutes');
    expect(Date.now() - before).toBeLessThan(60_000);

    expect((await token(clientId, rotatedSecret)).status).toBe(200);
    expect((await token(clientId, firstSecret)).status).toBe(200); // within its grace
    await dialog.getByTestId('credential-done').click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => listed(admin)).toEqual(['client_secret:rotating']);
    expect(await row(admin, credentialId).textContent()).toContain('old secret until');
    expect(await admin.content()).not.toContain(rotatedSecret);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('revokes behind a confirmation: the secret stops at once', async () => {
    await openAgent(admin);
    await row(admin, credentialId).getByTestId('credential-revoke').click();
    const confirm = admin.getByTestId('confirm-dialog');
    expect(await confirm.textContent()).toContain('stops working at once');
    // Cancelling changes nothing.
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect((await token(clientId, rotatedSecret)).status).toBe(200);

    await row(admin, credentialId).getByTestId('credential-revoke').click();
    await confirm.getByRole('button', { name: 'Revoke credential' }).click();
    await confirm.waitFor({ state: 'detached' });
    await expect.poll(() => listed(admin)).toEqual(['client_secret:revoked']);
    expect(await row(admin, credentialId).getByTestId('credential-rotate').count()).toBe(0);
    expect(await row(admin, credentialId).getByTestId('credential-revoke').count()).toBe(0);
    const refused = await token(clientId, rotatedSecret);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_client');
    expect((await token(clientId, firstSecret)).status).toBe(401); // its grace ends with the revocation
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('creates an API key with an expiry, and a private_key_jwt credential from a pasted JWKS', async () => {
    await openAgent(admin);
    await admin.getByTestId('credential-create').click();
    const dialog = admin.getByTestId('credential-dialog');
    await admin.getByTestId('credential-type').selectOption('api_key');
    await admin.getByTestId('credential-expires').fill(`${new Date().getFullYear() + 1}-06-30T12:00`);
    await admin.getByTestId('credential-create-submit').click();
    const keyInput = dialog.getByTestId('credential-secret');
    await keyInput.waitFor();
    const apiKey = await keyInput.inputValue();
    expect(apiKey).toMatch(/^gh_[0-9a-z]{12}_[A-Za-z0-9_-]{43}$/);
    expect(await dialog.getByTestId('credential-client-id').count()).toBe(0);
    expect(await dialog.getByTestId('credential-secret-once').textContent()).toContain(ONCE);
    expect(await dialog.getByRole('button', { name: 'Copy api key' }).count()).toBe(1);
    // The key shown is the real one: it is traded for an access token.
    const session = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(session.status).toBe(200);
    await dialog.getByTestId('credential-done').click();
    await dialog.waitFor({ state: 'detached' });
    const keyRow = admin.locator('[data-testid="credential-row"][data-type="api_key"]');
    await keyRow.waitFor();
    expect(await keyRow.getByTestId('credential-identifier').textContent()).toBe(
      `${apiKey.split('_').slice(0, 2).join('_')}_…`,
    );
    expect(await keyRow.textContent()).toMatch(/in \d+ months?|next year|in 1 year/);
    expect(await admin.content()).not.toContain(apiKey);

    // private_key_jwt: a key with private parts is refused on its field; public keys are registered.
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    await admin.getByTestId('credential-create').click();
    await admin.getByTestId('credential-type').selectOption('private_key_jwt');
    await admin.getByTestId('credential-jwks').fill('{"keys": []}');
    await admin.getByTestId('credential-create-submit').click();
    expect(await field(admin, 'credential-jwks').locator('.field-error').textContent()).toContain(
      'non-empty',
    );
    await admin
      .getByTestId('credential-jwks')
      .fill(JSON.stringify({ keys: [privateKey.export({ format: 'jwk' })] }));
    await admin.getByTestId('credential-create-submit').click();
    await expect
      .poll(() => field(admin, 'credential-jwks').locator('.field-error').textContent())
      .toContain('private key material');
    await admin
      .getByTestId('credential-jwks')
      .fill(JSON.stringify({ keys: [publicKey.export({ format: 'jwk' })] }));
    await admin.getByTestId('credential-create-submit').click();
    const jwtClientId = dialog.getByTestId('credential-client-id');
    await jwtClientId.waitFor();
    expect(await jwtClientId.inputValue()).toMatch(/^ghc_/);
    expect(await dialog.getByTestId('credential-secret').count()).toBe(0);
    // No secret on screen: the dialog closes like any other.
    await admin.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    const jwtRow = admin.locator('[data-testid="credential-row"][data-type="private_key_jwt"]');
    await jwtRow.waitFor();
    // A key pair has no secret to rotate, but it can be revoked.
    expect(await jwtRow.getByTestId('credential-rotate').count()).toBe(0);
    expect(await jwtRow.getByTestId('credential-revoke').count()).toBe(1);
    expect((await listed(admin)).sort()).toEqual([
      'api_key:active',
      'client_secret:revoked',
      'private_key_jwt:active',
    ]);
    await screenshot(admin, '/tmp/console-credentials.png');
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
