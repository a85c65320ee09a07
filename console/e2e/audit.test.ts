// Browser test of the Audit log pages against a real Gatehouse server: real activity (an agent, a credential,
// tokens issued and one refused) is listed as the API lists it, filtered by an action prefix and by outcome,
// opened in a drawer whose hashes are the API's, verified, followed live, and signed into a checkpoint that
// downloads as the API's JSON. Admins only.
// Run with `npx vitest run console/e2e/audit.test.ts`; CONSOLE_E2E_SCREENSHOTS=1 saves /tmp/console-audit.png,
// /tmp/console-audit-drawer.png and /tmp/console-audit-checkpoints.png.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../server/test/client.js';
import { type AgentActivity, agentActivity } from './activity.js';
import { expectRefused, hasChromium, screenshot, useConsoleHarness } from './browser.js';

interface AuditEvent {
  id: string;
  seq: number;
  action: string;
  outcome: 'success' | 'failure';
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

const rows = (page: Page) => page.getByTestId('audit-row');
const row = (page: Page, seq: number) => page.locator(`[data-testid="audit-row"][data-seq="${seq}"]`);
const listed = (page: Page) =>
  rows(page).evaluateAll((els) =>
    els.map((el) => `${el.getAttribute('data-seq')}:${el.getAttribute('data-action')}`),
  );
const asListed = (events: AuditEvent[]) => events.map((e) => `${e.seq}:${e.action}`);

describe.skipIf(!hasChromium)('the audit log in the console', () => {
  const harness = useConsoleHarness();
  const { newPage, signIn, pageErrors } = harness;
  let server: typeof harness.server;
  let http: ReturnType<typeof client>;
  let adminToken: string;
  let admin: Page;
  let bot: AgentActivity;

  async function apiAudit(query = ''): Promise<AuditEvent[]> {
    const r = await http.get(`/v1/audit${query}`, adminToken);
    expect(r.status).toBe(200);
    return r.body.items as AuditEvent[];
  }

  beforeAll(async () => {
    server = harness.server;
    http = client(server);
    adminToken = await http.login(server.admin.email, server.admin.password);
    bot = await agentActivity(http, adminToken, 'audit-bot');
    await bot.issue();
    await bot.issue();
    await bot.refuse();
    admin = await newPage();
    await signIn(admin, server.admin.email, server.admin.password);
    await admin.getByTestId('overview-org-name').waitFor();
  });

  it('lists the records as the API does, newest first, and filters by action prefix and outcome', async () => {
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await rows(admin).first().waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/audit');
    expect(await listed(admin)).toEqual(asListed(await apiAudit()));
    const seqs = (await listed(admin)).map((s) => Number(s.split(':')[0]));
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(await listed(admin)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/:agent\.created$/),
        expect.stringMatching(/:token\.refused$/),
      ]),
    );
    await screenshot(admin, '/tmp/console-audit.png');

    // A malformed action is caught here, before any request.
    await admin.getByTestId('audit-filter-action').fill('Token!');
    await admin.getByTestId('audit-filter-apply').click();
    expect(
      await admin
        .locator('.field', { has: admin.getByTestId('audit-filter-action') })
        .locator('.field-error')
        .textContent(),
    ).toContain('token.*');
    expect(new URL(admin.url()).searchParams.get('action')).toBeNull();

    await admin.getByTestId('audit-filter-action').fill('token.*');
    await admin.getByTestId('audit-filter-apply').click();
    const tokens = await apiAudit('?action=token.*');
    expect(tokens.map((e) => e.action).sort()).toEqual(['token.issued', 'token.issued', 'token.refused']);
    await expect.poll(() => listed(admin)).toEqual(asListed(tokens));
    expect(new URL(admin.url()).searchParams.get('action')).toBe('token.*');

    // The outcome applies at once, on top of the action.
    await admin.getByTestId('audit-filter-outcome').selectOption('failure');
    const refused = tokens.filter((e) => e.outcome === 'failure');
    await expect.poll(() => listed(admin)).toEqual(asListed(refused));

    // The filters are in the URL: a reload keeps them, and Clear lists everything again.
    await admin.reload();
    await expect.poll(() => listed(admin)).toEqual(asListed(refused));
    expect(await admin.getByTestId('audit-filter-action').inputValue()).toBe('token.*');
    await admin.getByTestId('audit-filter-clear').click();
    await expect.poll(async () => (await listed(admin)).length).toBe((await apiAudit()).length);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it("opens a record in a drawer with every field, its hash and prev_hash exactly as the API's", async () => {
    await admin.goto(`${server.url}/console/audit`);
    const [refusal] = await apiAudit('?action=token.refused');
    if (!refusal) throw new Error('no refusal recorded');
    const before = (await apiAudit('?limit=200')).find((e) => e.seq === refusal.seq - 1);
    await row(admin, refusal.seq).getByTestId('audit-open').click();
    const drawer = admin.getByTestId('audit-drawer');
    await drawer.waitFor();
    expect(await drawer.getAttribute('data-seq')).toBe(String(refusal.seq));
    expect(await admin.getByTestId('audit-drawer-action').textContent()).toBe('token.refused');
    expect(await admin.getByTestId('audit-drawer-hash').inputValue()).toBe(refusal.hash);
    expect(await admin.getByTestId('audit-drawer-prev-hash').inputValue()).toBe(refusal.prev_hash);
    // The chain: this record's prev_hash is the hash of the record before it.
    expect(refusal.prev_hash).toBe(before?.hash);
    expect(JSON.parse((await admin.getByTestId('audit-drawer-details').textContent()) ?? '')).toEqual(
      refusal.details,
    );
    expect(refusal.details).toMatchObject({ error: 'invalid_scope', client_id: bot.clientId });
    expect(await drawer.textContent()).toContain(bot.agentId);
    await screenshot(admin, '/tmp/console-audit-drawer.png');
    await admin.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('verifies the chain and says it is intact, up to the newest record', async () => {
    await admin.goto(`${server.url}/console/audit`);
    await rows(admin).first().waitFor();
    await admin.getByTestId('audit-verify').click();
    const result = admin.getByTestId('audit-verify-result');
    await result.waitFor();
    expect(await result.getAttribute('data-ok')).toBe('true');
    expect(await result.getAttribute('data-break-seq')).toBeNull();
    const report = (await http.get('/v1/audit/verify', adminToken)).body;
    expect(report.ok).toBe(true);
    expect(await admin.getByTestId('audit-verify-message').textContent()).toBe(report.message);
    expect(report.last_seq).toBe((await apiAudit('?limit=1'))[0]?.seq);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('follows the log live: records made after the page loaded appear on top, under its filters', async () => {
    await admin.goto(`${server.url}/console/audit?action=token.refused`);
    await rows(admin).first().waitFor();
    const shown = await listed(admin);
    await admin.getByTestId('audit-live').click();
    expect(await admin.getByTestId('audit-live').getAttribute('aria-pressed')).toBe('true');

    // Issued first and refused second: once the refusal shows, the issuance was there to be seen and was not.
    await bot.issue();
    await bot.refuse();
    const [newest] = await apiAudit('?action=token.refused&limit=1');
    if (!newest) throw new Error('no refusal recorded');
    await row(admin, newest.seq).waitFor();
    expect(await listed(admin)).toEqual([`${newest.seq}:token.refused`, ...shown]);

    await admin.getByTestId('audit-live').click();
    expect(await admin.getByTestId('audit-live').getAttribute('aria-pressed')).toBe('false');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('creates a checkpoint of the chain, lists it as the API does, and downloads its JSON', async () => {
    await admin.goto(`${server.url}/console/audit`);
    await admin.getByTestId('audit-tab-checkpoints').click();
    await admin.getByTestId('checkpoints-card').waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/audit/checkpoints');
    const head = (await apiAudit('?limit=1'))[0];
    await admin.getByTestId('checkpoint-create').click();
    await admin.getByTestId('checkpoint-created').waitFor();

    const checkpoints = (await http.get('/v1/audit/checkpoints', adminToken)).body.items as Array<{
      id: string;
      seq: number;
      hash: string;
      kid: string;
    }>;
    const [latest] = checkpoints;
    if (!latest) throw new Error('no checkpoint listed');
    expect(latest.seq).toBeGreaterThanOrEqual(head?.seq ?? 0);
    const listedRow = admin.locator(`[data-testid="checkpoint-row"][data-id="${latest.id}"]`);
    await listedRow.waitFor();
    expect(await listedRow.getAttribute('data-seq')).toBe(String(latest.seq));
    expect(await listedRow.getAttribute('data-hash')).toBe(latest.hash);
    expect(await listedRow.textContent()).toContain(latest.kid);
    // The signing key is published for verifiers.
    const jwks = (await http.get('/.well-known/gatehouse-audit-keys.json')).body as {
      keys: Array<{ kid: string }>;
    };
    expect(jwks.keys.map((k) => k.kid)).toContain(latest.kid);
    await screenshot(admin, '/tmp/console-audit-checkpoints.png');

    const [download] = await Promise.all([
      admin.waitForEvent('download'),
      listedRow.getByTestId('checkpoint-download').click(),
    ]);
    expect(download.suggestedFilename()).toBe(
      `gatehouse-checkpoint-${(latest as { org_id?: string }).org_id}-${latest.seq}.json`,
    );
    expect(JSON.parse(await readFile(await download.path(), 'utf8'))).toEqual(latest);

    // Nothing but the checkpoint's own record since: the API answers with the latest, and the page says so.
    await admin.getByTestId('checkpoint-create').click();
    await expect.poll(() => admin.getByTestId('checkpoint-created').textContent()).toContain('still stands');
    // The list reloads after the click: wait for it rather than count it mid-fetch.
    await expect.poll(() => admin.getByTestId('checkpoint-row').count()).toBe(checkpoints.length);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('is for admins only: no sidebar entry, no records, and the API refuses too', async () => {
    await expectRefused(harness, adminToken, {
      email: 'audit-manager@example.com',
      link: 'Audit log',
      pages: [
        { path: '/audit', forbidden: 'audit-forbidden', absent: ['audit-verify', 'audit-row'] },
        { path: '/audit/checkpoints', forbidden: 'checkpoints-forbidden', absent: ['checkpoint-create'] },
      ],
      api: [{ path: '/v1/audit' }, { path: '/v1/audit/checkpoints' }],
    });
  }, 60_000);
});
