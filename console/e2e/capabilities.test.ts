// Browser test of the Capabilities page and an agent's skills page against a real Gatehouse server: the
// catalogue lists every capability with the actions that need it, who holds it and the best agent; on an agent,
// an admin grants a skill with a note and an expiry, sees an expired one, grants it again, revokes one, and sets
// the tags and trust score that pick the best agent. Managers read; members see nothing.
// Run with `npx vitest run console/e2e/capabilities.test.ts`; CONSOLE_E2E_SCREENSHOTS=1 saves
// /tmp/console-capabilities.png and /tmp/console-skills.png.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../server/test/client.js';
import { expectRefused, hasChromium, screenshot, useConsoleHarness } from './browser.js';

interface Skill {
  capability: string;
  note: string;
  expires_at: string | null;
  live: boolean;
}

const capRow = (page: Page, capability: string) =>
  page.locator(`[data-testid="capability-row"][data-capability="${capability}"]`);
const skillRow = (page: Page, capability: string) =>
  page.locator(`[data-testid="skill-row"][data-capability="${capability}"]`);
const skillsListed = (page: Page) =>
  page
    .getByTestId('skill-row')
    .evaluateAll((els) =>
      els.map((el) => `${el.getAttribute('data-capability')}:${el.getAttribute('data-live')}`),
    );

describe.skipIf(!hasChromium)('capabilities and skills in the console', () => {
  const harness = useConsoleHarness();
  const { newPage, signIn, pageErrors } = harness;
  let server: typeof harness.server;
  let http: ReturnType<typeof client>;
  let adminToken: string;
  let admin: Page;
  const ids = { alpha: '', beta: '' };
  const nextYear = new Date().getFullYear() + 1;

  const apiSkills = async (agent: string) => {
    const r = await http.get(`/v1/agents/${agent}/skills`, adminToken);
    expect(r.status).toBe(200);
    return r.body.items as Skill[];
  };

  beforeAll(async () => {
    server = harness.server;
    http = client(server);
    adminToken = await http.login(server.admin.email, server.admin.password);
    for (const name of ['alpha', 'beta'] as const) {
      const r = await http.post('/v1/agents', { name }, adminToken);
      expect(r.status).toBe(201);
      ids[name] = r.body.id;
    }
    admin = await newPage();
    await signIn(admin, server.admin.email, server.admin.password);
    await admin.getByTestId('overview-org-name').waitFor();
  });

  it('lists every capability, the actions that need it, its holders and the best agent', async () => {
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Capabilities' }).click();
    await capRow(admin, 'integration_execute').getByTestId('capability-holders').waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/capabilities');
    const catalogue = (await http.get('/v1/capabilities', adminToken)).body as {
      capabilities: string[];
      actions: Array<{ name: string; capability: string }>;
    };
    expect(await admin.getByTestId('capability-name').allTextContents()).toEqual(catalogue.capabilities);
    expect(
      await capRow(admin, 'integration_execute')
        .getByTestId('capability-actions')
        .locator('li')
        .allTextContents(),
    ).toEqual(catalogue.actions.filter((a) => a.capability === 'integration_execute').map((a) => a.name));
    expect(await capRow(admin, 'integration_execute').getByTestId('capability-holders').textContent()).toBe(
      '0 agents',
    );

    // Two holders; beta is trusted more, so it is the best agent, as the API says.
    for (const agent of [ids.alpha, ids.beta]) {
      expect(
        (await http.post(`/v1/agents/${agent}/skills`, { capability: 'integration_execute' }, adminToken))
          .status,
      ).toBe(201);
    }
    const attrs = await http.call('PUT', `/v1/agents/${ids.beta}/attributes`, {
      token: adminToken,
      body: { tags: ['ops'], trust_score: 80 },
    });
    expect(attrs.status).toBe(200);
    await admin.reload();
    const row = capRow(admin, 'integration_execute');
    await expect.poll(() => row.getByTestId('capability-holders').getAttribute('data-count')).toBe('2');
    const best = (await http.get('/v1/capabilities/integration_execute/best-agent', adminToken)).body;
    expect(best.agent_id).toBe(ids.beta);
    expect(await row.getByTestId('capability-best').getAttribute('data-agent')).toBe(ids.beta);
    expect(await row.getByTestId('capability-best').textContent()).toBe('betatrust 80');

    await row.getByTestId('capability-holders').click();
    await admin.getByTestId('holders-card').waitFor();
    expect(new URL(admin.url()).searchParams.get('capability')).toBe('integration_execute');
    expect(await admin.getByTestId('holder-name').allTextContents()).toEqual(['beta', 'alpha']);
    expect(await admin.getByTestId('holder-trust').allTextContents()).toEqual(['80', '50']);
    await screenshot(admin, '/tmp/console-capabilities.png');
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('grants a skill with a note and expiry, shows expired ones, grants again, revokes, sets attributes', async () => {
    await admin.goto(`${server.url}/console/capabilities`);
    await admin.getByTestId('capabilities-agent-select').selectOption({ label: 'alpha' });
    await admin.getByTestId('skills-card').waitFor();
    expect(new URL(admin.url()).pathname).toBe(`/console/agents/${ids.alpha}/skills`);
    expect(await skillsListed(admin)).toEqual(['integration_execute:true']);

    // Checked here first: a capability is needed.
    await admin.getByTestId('skill-grant').click();
    const dialog = admin.getByTestId('skill-dialog');
    await admin.getByTestId('skill-grant-submit').click();
    expect(await dialog.locator('.field-error').first().textContent()).toBe('Choose a capability.');
    await admin.getByTestId('skill-capability-select').selectOption('data_read');
    expect(await dialog.textContent()).toContain('Needed by room.read, data.read.');
    await admin.getByTestId('skill-note-input').fill('reads the weekly reports');
    await admin.getByTestId('skill-expires-input').fill(`${nextYear}-06-30T12:00`);
    await admin.getByTestId('skill-grant-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await skillRow(admin, 'data_read').waitFor();
    expect(await skillRow(admin, 'data_read').getByTestId('skill-note').textContent()).toBe(
      'reads the weekly reports',
    );
    expect(await skillRow(admin, 'data_read').getByTestId('skill-expires').textContent()).toMatch(
      /^in \d+ months?$|^next year$/,
    );
    expect(await skillRow(admin, 'data_read').getByTestId('skill-status').textContent()).toBe('Live');
    const granted = (await apiSkills(ids.alpha)).find((s) => s.capability === 'data_read');
    expect(granted).toMatchObject({ note: 'reads the weekly reports', live: true });
    expect(Date.parse(granted?.expires_at ?? '')).toBe(new Date(`${nextYear}-06-30T12:00`).getTime());

    // A skill that has run out stays listed as expired.
    const soon = new Date(Date.now() + 1500).toISOString();
    const short = await http.post(
      `/v1/agents/${ids.alpha}/skills`,
      { capability: 'data_write', expires_at: soon },
      adminToken,
    );
    expect(short.status).toBe(201);
    await new Promise((r) => setTimeout(r, 2000));
    await admin.reload();
    await skillRow(admin, 'data_write').waitFor();
    expect(await skillRow(admin, 'data_write').getAttribute('data-live')).toBe('false');
    expect(await skillRow(admin, 'data_write').getByTestId('skill-status').textContent()).toBe('Expired');
    await screenshot(admin, '/tmp/console-skills.png');

    // Granted again without an expiry, it is live for good.
    await skillRow(admin, 'data_write').getByTestId('skill-renew').click();
    expect(await admin.getByTestId('skill-capability-select').inputValue()).toBe('data_write');
    await admin.getByTestId('skill-grant-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => skillRow(admin, 'data_write').getAttribute('data-live')).toBe('true');
    expect(await skillRow(admin, 'data_write').getByTestId('skill-expires').textContent()).toBe('Never');

    // Revoked behind a confirmation: gone from the page and the API.
    await skillRow(admin, 'data_read').getByTestId('skill-revoke').click();
    const confirm = admin.getByTestId('confirm-dialog');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await skillRow(admin, 'data_read').count()).toBe(1);
    await skillRow(admin, 'data_read').getByTestId('skill-revoke').click();
    await confirm.getByRole('button', { name: 'Revoke skill' }).click();
    await confirm.waitFor({ state: 'detached' });
    await expect.poll(() => skillsListed(admin)).toEqual(['data_write:true', 'integration_execute:true']);
    expect((await apiSkills(ids.alpha)).map((s) => s.capability)).toEqual([
      'data_write',
      'integration_execute',
    ]);

    // Tags and trust score: checked here, saved, and alpha becomes the best agent for integration_execute.
    await admin.getByTestId('attributes-trust-input').fill('101');
    await admin.getByTestId('attributes-save').click();
    expect(
      await admin
        .locator('.field', { has: admin.getByTestId('attributes-trust-input') })
        .locator('.field-error')
        .textContent(),
    ).toBe('Enter a whole number from 0 to 100.');
    await admin.getByTestId('attributes-trust-input').fill('90');
    await admin.getByTestId('attributes-tags-input').fill('billing reports ');
    await admin.getByTestId('attributes-save').click();
    await admin.getByTestId('attributes-saved').waitFor();
    expect((await http.get(`/v1/agents/${ids.alpha}/attributes`, adminToken)).body).toEqual({
      tags: ['billing', 'reports'],
      trust_score: 90,
    });
    await admin.goto(`${server.url}/console/capabilities?capability=integration_execute`);
    await admin.getByTestId('holders-card').waitFor();
    expect(await admin.getByTestId('holder-name').allTextContents()).toEqual(['alpha', 'beta']);
    expect(
      await capRow(admin, 'integration_execute').getByTestId('capability-best').getAttribute('data-agent'),
    ).toBe(ids.alpha);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('managers read without changing; members see neither page, and the API refuses them too', async () => {
    const manager = await http.addMember(adminToken, 'caps-manager@example.com', 'manager');
    const page = await newPage();
    await signIn(page, 'caps-manager@example.com', manager.password);
    await page.getByTestId('overview-org-name').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Capabilities' }).click();
    await capRow(page, 'integration_execute').getByTestId('capability-holders').waitFor();
    // From the agent's own page, as well as from the catalogue.
    await page.goto(`${server.url}/console/agents/${ids.alpha}`);
    await page.getByTestId('agent-skills-link').click();
    await page.getByTestId('skills-read-only').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/agents/${ids.alpha}/skills`);
    expect(await skillsListed(page)).toEqual(['data_write:true', 'integration_execute:true']);
    expect(await page.getByTestId('skill-grant').count()).toBe(0);
    expect(await page.getByTestId('skill-revoke').count()).toBe(0);
    expect(await page.getByTestId('attributes-save').count()).toBe(0);
    expect(await page.getByTestId('attributes-trust').textContent()).toBe('90');
    expect(
      (await http.post(`/v1/agents/${ids.alpha}/skills`, { capability: 'data_read' }, manager.token)).status,
    ).toBe(403);

    await expectRefused(harness, adminToken, {
      email: 'caps-member@example.com',
      role: 'member',
      link: 'Capabilities',
      pages: [
        { path: '/capabilities', forbidden: 'capabilities-forbidden', absent: ['capability-row'] },
        {
          path: `/agents/${ids.alpha}/skills`,
          forbidden: 'skills-forbidden',
          absent: ['skill-row', 'skill-grant'],
        },
      ],
      api: [
        { path: '/v1/capabilities' },
        { path: `/v1/agents/${ids.alpha}/skills` },
        { method: 'POST', path: `/v1/agents/${ids.alpha}/skills`, body: { capability: 'data_read' } },
      ],
    });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
