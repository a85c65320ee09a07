// Browser test of the Compliance page against a real Gatehouse server: an agent whose tokens live longer than
// the policy allows fails its control, the others pass; the page shows the API's report (summary, badges,
// evidence naming the agent, remediation), downloads it as JSON, opens the printable page, and re-runs the
// checks once the agent is fixed. Admins only.
// Run with `npx vitest run console/e2e/compliance.test.ts`; CONSOLE_E2E_SCREENSHOTS=1 saves
// /tmp/console-compliance.png.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../server/test/client.js';
import { type AgentActivity, agentActivity } from './activity.js';
import { expectRefused, hasChromium, screenshot, useConsoleHarness } from './browser.js';

interface Report {
  org_id: string;
  summary: { passed: number; failed: number };
  controls: Array<{ id: string; title: string; status: string; remediation: string }>;
}

const TOKEN_LIFETIME = 'CC6.1-token-lifetime';
const control = (page: Page, id: string) =>
  page.locator(`[data-testid="compliance-control"][data-id="${id}"]`);
const shownStatuses = (page: Page) =>
  page
    .getByTestId('compliance-control')
    .evaluateAll((els) => els.map((el) => `${el.getAttribute('data-id')}:${el.getAttribute('data-status')}`));
const statusesOf = (r: Report) => r.controls.map((c) => `${c.id}:${c.status}`);

describe.skipIf(!hasChromium)('the compliance report in the console', () => {
  const harness = useConsoleHarness();
  const { newPage, signIn, pageErrors } = harness;
  let server: typeof harness.server;
  let http: ReturnType<typeof client>;
  let adminToken: string;
  let admin: Page;
  let longLived: AgentActivity;

  const apiReport = async (query = '') => {
    const r = await http.get(`/v1/compliance/report${query}`, adminToken);
    expect(r.status).toBe(200);
    return r.body as Report;
  };

  beforeAll(async () => {
    server = harness.server;
    http = client(server);
    adminToken = await http.login(server.admin.email, server.admin.password);
    // Two hours, over the default policy of one: this agent fails the token lifetime control.
    longLived = await agentActivity(http, adminToken, 'long-lived', { token_ttl_seconds: 7200 });
    await longLived.issue();
    const other = await agentActivity(http, adminToken, 'short-lived');
    await other.issue();
    admin = await newPage();
    await signIn(admin, server.admin.email, server.admin.password);
    await admin.getByTestId('overview-org-name').waitFor();
  });

  it("shows the API's report: summary, a badge per control, evidence and remediation", async () => {
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Compliance' }).click();
    await admin.getByTestId('compliance-control').first().waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/compliance');
    const report = await apiReport();
    expect(await shownStatuses(admin)).toEqual(statusesOf(report));
    expect(report.summary.failed).toBeGreaterThan(0);
    expect(report.summary.passed).toBeGreaterThan(0);
    expect(await admin.getByTestId('compliance-passed').locator('.stat-value').textContent()).toBe(
      String(report.summary.passed),
    );
    expect(await admin.getByTestId('compliance-failed').locator('.stat-value').textContent()).toBe(
      String(report.summary.failed),
    );

    // The failing control names the agent in its evidence, with what to do about it.
    const failing = control(admin, TOKEN_LIFETIME);
    expect(await failing.getByTestId('control-status').getAttribute('data-status')).toBe('fail');
    expect(await failing.getByTestId('control-status').textContent()).toBe('Fail');
    const offending = failing.locator('[data-testid="evidence-item"][data-key="offending"]');
    expect(await offending.getByTestId('evidence-record').count()).toBe(1);
    expect(await offending.textContent()).toContain(longLived.agentId);
    expect(await offending.textContent()).toContain('7,200');
    const remediation = report.controls.find((c) => c.id === TOKEN_LIFETIME)?.remediation;
    expect(await failing.getByTestId('control-remediation').textContent()).toBe(remediation);

    // A passing one: the chain verifies.
    const chain = control(admin, 'CC7.2-audit-chain');
    expect(await chain.getByTestId('control-status').textContent()).toBe('Pass');
    await screenshot(admin, '/tmp/console-compliance.png');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('downloads the report as JSON and opens the printable page', async () => {
    await admin.goto(`${server.url}/console/compliance`);
    await admin.getByTestId('compliance-control').first().waitFor();
    const shown = await shownStatuses(admin);

    const [download] = await Promise.all([
      admin.waitForEvent('download'),
      admin.getByTestId('compliance-download-json').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(
      /^gatehouse-compliance-org_[0-9a-z]+-\d{4}-\d{2}-\d{2}\.json$/,
    );
    const saved = JSON.parse(await readFile(await download.path(), 'utf8')) as Report;
    expect(statusesOf(saved)).toEqual(shown);

    const [printable] = await Promise.all([
      admin.context().waitForEvent('page'),
      admin.getByTestId('compliance-open-html').click(),
    ]);
    await printable.waitForLoadState();
    expect(new URL(printable.url()).pathname).toBe('/v1/compliance/report');
    const text = (await printable.textContent('body')) ?? '';
    for (const c of saved.controls) expect(text).toContain(c.title);
    await printable.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('re-runs the checks on demand: the fixed agent passes at once', async () => {
    await admin.goto(`${server.url}/console/compliance`);
    await control(admin, TOKEN_LIFETIME).waitFor();
    expect(await control(admin, TOKEN_LIFETIME).getAttribute('data-status')).toBe('fail');
    const fixed = await http.patch(`/v1/agents/${longLived.agentId}`, { token_ttl_seconds: 900 }, adminToken);
    expect(fixed.status).toBe(200);
    await admin.getByTestId('compliance-refresh').click();
    await expect.poll(() => control(admin, TOKEN_LIFETIME).getAttribute('data-status')).toBe('pass');
    expect(await shownStatuses(admin)).toEqual(statusesOf(await apiReport()));
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('is for admins only: no sidebar entry, no report, and the API refuses too', async () => {
    await expectRefused(harness, adminToken, {
      email: 'compliance-manager@example.com',
      link: 'Compliance',
      pages: [
        {
          path: '/compliance',
          forbidden: 'compliance-forbidden',
          absent: ['compliance-control', 'compliance-download-json'],
        },
      ],
      api: [{ path: '/v1/compliance/report' }],
    });
  }, 60_000);
});
