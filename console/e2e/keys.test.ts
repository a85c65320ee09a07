// Browser test of the Signing keys page against a real Gatehouse server: the list shows the key that signed
// a real token, and a confirmed rotation adds a pending key that the JWKS publishes before it signs. The
// page and its sidebar entry are for admins only.
// Run with `npx vitest run console/e2e/keys.test.ts`; CONSOLE_E2E_SCREENSHOTS=1 saves /tmp/console-keys.png.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../server/test/client.js';
import { expectRefused, hasChromium, screenshot, useConsoleHarness } from './browser.js';

const listed = (page: Page) =>
  page
    .getByTestId('key-row')
    .evaluateAll((els) =>
      els.map(
        (el) =>
          `${el.getAttribute('data-alg')}:${el.getAttribute('data-status')}:${el.getAttribute('data-kid')}`,
      ),
    );
const kidOf = (jwt: string) =>
  (JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }).kid;

describe.skipIf(!hasChromium)('signing keys in the console', () => {
  const harness = useConsoleHarness();
  const { newPage, signIn, pageErrors } = harness;
  let server: typeof harness.server;
  let http: ReturnType<typeof client>;
  let adminToken: string;
  let admin: Page;
  let issueToken: () => Promise<string>;

  beforeAll(async () => {
    server = harness.server;
    http = client(server);
    adminToken = await http.login(server.admin.email, server.admin.password);
    const agent = await http.post('/v1/agents', { name: 'signer-check' }, adminToken);
    const cred = await http.post(
      `/v1/agents/${agent.body.id}/credentials`,
      { type: 'client_secret' },
      adminToken,
    );
    const { client_id, client_secret } = cred.body as { client_id: string; client_secret: string };
    issueToken = async () => {
      const r = await http.call('POST', '/oauth/token', {
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id, client_secret }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      if (r.status !== 200) throw new Error(`token: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.access_token as string;
    };
    admin = await newPage();
    await signIn(admin, server.admin.email, server.admin.password);
    await admin.getByTestId('overview-org-name').waitFor();
  });

  it('lists the key that signs tokens, and a confirmed rotation adds a pending key, published first', async () => {
    const signedBy = kidOf(await issueToken());
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Signing keys' }).click();
    await admin.getByTestId('key-row').first().waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/keys');
    expect(await listed(admin)).toEqual([`EdDSA:active:${signedBy}`]);

    // The confirmation explains publish-ahead; cancelling changes nothing.
    await admin.getByTestId('key-rotate').click();
    const confirm = admin.getByTestId('confirm-dialog');
    expect(await confirm.textContent()).toContain('published in the JWKS at once');
    expect(await confirm.textContent()).toContain(signedBy);
    expect(await admin.getByTestId('key-rotate-alg').inputValue()).toBe('EdDSA');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await listed(admin)).toHaveLength(1);

    await admin.getByTestId('key-rotate').click();
    await admin.getByTestId('key-rotate-alg').selectOption('ES256');
    await confirm.getByRole('button', { name: 'Rotate key' }).click();
    await confirm.waitFor({ state: 'detached' });
    await expect.poll(() => listed(admin)).toHaveLength(2);
    const [pending, active] = await listed(admin);
    expect(pending).toMatch(/^ES256:pending:key_/);
    expect(active).toBe(`EdDSA:active:${signedBy}`);
    const pendingKid = pending?.split(':')[2] ?? '';
    const pendingRow = admin.locator(`[data-testid="key-row"][data-kid="${pendingKid}"]`);
    expect(await pendingRow.textContent()).toMatch(/in \d+ minutes/);
    await screenshot(admin, '/tmp/console-keys.png');

    // Published ahead: the JWKS has the new key, while tokens are still signed with the old one.
    const jwks = await http.get('/.well-known/jwks.json');
    expect((jwks.body.keys as Array<{ kid: string }>).map((k) => k.kid)).toEqual(
      expect.arrayContaining([signedBy, pendingKid]),
    );
    expect(kidOf(await issueToken())).toBe(signedBy);

    // What the page shows survives a reload: it is the server's state.
    await admin.reload();
    await admin.getByTestId('key-row').first().waitFor();
    expect(await listed(admin)).toEqual([pending, active]);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('is for admins only: no sidebar entry and no keys for a manager', async () => {
    await expectRefused(harness, adminToken, {
      email: 'keys-manager@example.com',
      link: 'Signing keys',
      pages: [{ path: '/keys', forbidden: 'keys-forbidden', absent: ['key-rotate', 'key-row'] }],
      api: [{ path: '/v1/admin/keys' }],
    });
  }, 60_000);
});
