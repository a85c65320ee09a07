// Browser test of the Analytics page against a real Gatehouse server: two agents get tokens and one is refused
// twice; the page draws the tokens per agent (Recharts lines, by day or by hour), the activity heatmap (summed
// or for one agent, as the API counts) and the refusals by reason. Admins only.
// Run with `npx vitest run console/e2e/analytics.test.ts`; CONSOLE_E2E_SCREENSHOTS=1 saves
// /tmp/console-analytics.png.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../server/test/client.js';
import { type AgentActivity, agentActivity } from './activity.js';
import { expectRefused, hasChromium, screenshot, useConsoleHarness } from './browser.js';

interface Activity {
  agents: Array<{ agent_id: string; cells: Array<{ dow: number; hour: number; count: number }> }>;
}

const heatTotal = (page: Page) =>
  page
    .getByTestId('heatmap-cell')
    .evaluateAll((els) => els.reduce((sum, el) => sum + Number(el.getAttribute('data-count')), 0));
const cellsTotal = (a: Activity['agents'][number] | undefined) =>
  a?.cells.reduce((s, c) => s + c.count, 0) ?? 0;

describe.skipIf(!hasChromium)('analytics in the console', () => {
  const harness = useConsoleHarness();
  const { newPage, signIn, pageErrors } = harness;
  let server: typeof harness.server;
  let http: ReturnType<typeof client>;
  let adminToken: string;
  let admin: Page;
  let alpha: AgentActivity;
  let beta: AgentActivity;

  beforeAll(async () => {
    server = harness.server;
    http = client(server);
    adminToken = await http.login(server.admin.email, server.admin.password);
    alpha = await agentActivity(http, adminToken, 'alpha');
    beta = await agentActivity(http, adminToken, 'beta');
    for (let i = 0; i < 3; i++) await alpha.issue();
    await beta.issue();
    await beta.refuse();
    await beta.refuse();
    admin = await newPage();
    await signIn(admin, server.admin.email, server.admin.password);
    await admin.getByTestId('overview-org-name').waitFor();
  });

  it('draws tokens per agent with the chart library, by day and by hour', async () => {
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
    const chart = admin.getByTestId('tokens-chart');
    await chart.locator('svg.recharts-surface').first().waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/analytics');
    expect(await admin.getByTestId('analytics-interval').inputValue()).toBe('day');
    // A line per agent, named in the legend (the chart may still be drawing).
    await expect.poll(() => chart.locator('.recharts-line').count()).toBe(2);
    expect((await chart.locator('.recharts-legend-item-text').allTextContents()).sort()).toEqual([
      'alpha',
      'beta',
    ]);

    const [byHour] = await Promise.all([
      admin.waitForResponse(
        (r) => r.url().includes('/v1/analytics/tokens') && r.url().includes('interval=hour'),
      ),
      admin.getByTestId('analytics-interval').selectOption('hour'),
    ]);
    expect(byHour.status()).toBe(200);
    const body = (await byHour.json()) as {
      series: Array<{ agent_id: string; points: Array<{ count: number }> }>;
    };
    const issued = Object.fromEntries(
      body.series.map((s) => [s.agent_id, s.points.reduce((n, p) => n + p.count, 0)]),
    );
    expect(issued).toEqual({ [alpha.agentId]: 3, [beta.agentId]: 1 });
    expect(new URL(admin.url()).searchParams.get('interval')).toBe('hour');
    await chart.locator('.recharts-line').nth(1).waitFor();
    expect(await chart.locator('.recharts-line').count()).toBe(2);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('shows activity by day and hour, summed or for one agent, as the API counts it', async () => {
    await admin.goto(`${server.url}/console/analytics`);
    const heatmap = admin.getByTestId('activity-heatmap');
    await heatmap.waitFor();
    expect(await admin.getByTestId('heatmap-cell').count()).toBe(7 * 24);
    const week = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const activity = (await http.get(`/v1/analytics/activity?from=${week}`, adminToken)).body as Activity;
    const all = activity.agents.reduce((sum, a) => sum + cellsTotal(a), 0);
    expect(all).toBeGreaterThanOrEqual(6);
    await expect.poll(() => heatTotal(admin)).toBe(all);

    // Each cell is the sum over agents of the API's count for its day and hour (UTC).
    const [busiest] = [...(activity.agents[0]?.cells ?? [])].sort((a, b) => b.count - a.count);
    if (!busiest) throw new Error('no activity counted');
    const sum = activity.agents
      .flatMap((a) => a.cells)
      .filter((c) => c.dow === busiest.dow && c.hour === busiest.hour)
      .reduce((n, c) => n + c.count, 0);
    const cell = heatmap.locator(`[data-dow="${busiest.dow}"][data-hour="${busiest.hour}"]`);
    expect(Number(await cell.getAttribute('data-count'))).toBe(sum);

    await admin.getByTestId('activity-agent').selectOption({ label: 'beta' });
    const betaTotal = cellsTotal(activity.agents.find((a) => a.agent_id === beta.agentId));
    expect(betaTotal).toBe(3);
    await expect.poll(() => heatTotal(admin)).toBe(betaTotal);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('charts refusals by reason, and lists them with the action refused', async () => {
    await admin.goto(`${server.url}/console/analytics`);
    const denials = admin.getByTestId('denials-chart');
    await denials.locator('svg.recharts-surface').first().waitFor();
    await expect.poll(() => denials.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(0);
    const refused = admin.locator('[data-testid="denial-row"][data-reason="invalid_scope"]');
    expect(await refused.getAttribute('data-action')).toBe('token.refused');
    expect(await refused.getAttribute('data-count')).toBe('2');
    const week = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const api = (await http.get(`/v1/analytics/denials?from=${week}`, adminToken)).body as {
      reasons: Array<{ action: string; reason: string | null; count: number }>;
    };
    expect(await admin.getByTestId('denial-row').count()).toBe(api.reasons.length);
    await screenshot(admin, '/tmp/console-analytics.png');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('is for admins only: no sidebar entry, no charts, and the API refuses too', async () => {
    const { page } = await expectRefused(harness, adminToken, {
      email: 'analytics-manager@example.com',
      link: 'Analytics',
      pages: [{ path: '/analytics', forbidden: 'analytics-forbidden' }],
      api: [{ path: '/v1/analytics/tokens' }],
    });
    expect(await page.locator('.recharts-surface').count()).toBe(0);
  }, 60_000);
});
