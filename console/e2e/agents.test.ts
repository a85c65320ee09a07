// Browser test of the Agents pages against a real Gatehouse server: create, list and filter, detail, a new
// definition version, settings, suspend, archive; and a 403 shown in place when a role changes underfoot.
// Run with `npx vitest run console/e2e`; set CONSOLE_E2E_SCREENSHOTS=1 to save /tmp/console-agents.png (the
// list), /tmp/console-agent.png (a suspended agent with two versions) and /tmp/console-agent-archived.png.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GatehouseClient } from '../../sdk/src/index.js';
import { hasChromium, screenshot, useConsoleHarness } from './browser.js';

const MANAGER = { email: 'manager@example.com', name: 'Mona Manager', password: 'a manager passphrase' };

const rows = (page: Page) => page.getByTestId('agent-row');
const row = (page: Page, name: string) => page.locator(`[data-testid="agent-row"][data-name="${name}"]`);
const listed = (page: Page) =>
  rows(page).evaluateAll((els) =>
    els.map((el) => `${el.getAttribute('data-name')}:${el.getAttribute('data-status')}`),
  );
const field = (page: Page, testId: string) => page.locator('.field', { has: page.getByTestId(testId) });
const statusOf = (page: Page) =>
  page.locator('.page-header [data-testid="agent-status"]').getAttribute('data-status');

describe.skipIf(!hasChromium)('agents in the console', () => {
  const harness = useConsoleHarness();
  const { newPage, signIn, pageErrors } = harness;
  let server: typeof harness.server;
  let admin: Page;
  beforeAll(async () => {
    server = harness.server;
    admin = await newPage();
    await signIn(admin, server.admin.email, server.admin.password);
    await admin.getByTestId('overview-org-name').waitFor();
  });

  async function openList(page: Page, query = '') {
    await page.goto(`${server.url}/console/agents${query}`);
    await page.getByTestId('agents-card').waitFor();
    await page.locator('[data-testid="agents-table"], [data-testid="agents-empty"]').first().waitFor();
  }

  it('creates an agent with scopes and a definition, and lists it', async () => {
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Agents' }).click();
    await admin.getByTestId('agents-empty').waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/agents');
    await admin.getByTestId('agent-create-empty').click();

    // Checked here first: the name must be a DNS label; nothing is sent until it is.
    await admin.getByTestId('agent-name').fill('Triage_Bot');
    await admin.getByTestId('agent-create-submit').click();
    expect(await field(admin, 'agent-name').locator('.field-error').textContent()).toContain('lowercase');
    expect(await admin.getByTestId('agent-name').evaluate((el) => el.matches(':focus'))).toBe(true);

    await admin.getByTestId('agent-name').fill('triage-bot');
    await admin.getByTestId('agent-display-name').fill('Triage Bot');
    await admin.getByTestId('agent-description').fill('Sorts incoming tickets by urgency.');
    await admin.getByTestId('agent-scopes').fill('tickets:read, tickets:write crm:read ');
    const scopeChips = field(admin, 'agent-scopes').getByTestId('token-chip');
    expect(await scopeChips.allTextContents()).toEqual(['tickets:read', 'tickets:write', 'crm:read']);
    await admin.getByTestId('agent-ttl').fill('600');
    await admin.getByTestId('agent-model').fill('gpt-4o');
    await admin
      .getByTestId('agent-instructions')
      .fill('You triage support tickets.\nLabel each with a priority.');
    // No separator after the last tool: leaving the input (for the submit button) makes it a chip too.
    await admin.getByTestId('agent-tools').fill('search_tickets crm.lookup');
    await admin.getByTestId('agent-create-submit').click();

    // Created: the browser is on the new agent's page.
    await admin.getByTestId('definition-card').waitFor();
    expect(new URL(admin.url()).pathname).toMatch(/^\/console\/agents\/agt_[0-9a-z]{26}$/);
    expect(await admin.locator('.page-title').textContent()).toBe('Triage Bot');
    expect(await admin.getByTestId('agent-title-name').textContent()).toBe('triage-bot');
    expect(await statusOf(admin)).toBe('active');
    expect(await admin.getByTestId('agent-scopes-value').locator('li').allTextContents()).toEqual([
      'crm:read',
      'tickets:read',
      'tickets:write',
    ]);
    expect(await admin.getByTestId('agent-ttl-value').textContent()).toContain('10 minutes');
    expect(await admin.getByTestId('definition-version').getAttribute('data-version')).toBe('1');
    expect(await admin.getByTestId('definition-model').textContent()).toBe('gpt-4o');
    expect(await admin.getByTestId('definition-tools').locator('li').allTextContents()).toEqual([
      'search_tickets',
      'crm.lookup',
    ]);
    await admin.getByTestId('version-row').first().waitFor();
    expect(await admin.getByTestId('version-row').count()).toBe(1);

    await admin.getByTestId('agents-back').click();
    await row(admin, 'triage-bot').waitFor();
    expect(await listed(admin)).toEqual(['triage-bot:active']);
    expect(await row(admin, 'triage-bot').getByTestId('agent-scopes-count').textContent()).toBe('3');
    expect(await row(admin, 'triage-bot').textContent()).toContain('Triage Bot');
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('shows a taken name on its field, then creates a second agent without a definition', async () => {
    await openList(admin);
    await admin.getByTestId('agent-create').click();
    await admin.getByTestId('agent-name').fill('triage-bot');
    await admin.getByTestId('agent-create-submit').click();
    const nameError = field(admin, 'agent-name').locator('.field-error');
    await nameError.waitFor();
    expect(await nameError.textContent()).toBe('An agent named triage-bot already exists');
    expect(await admin.getByTestId('create-agent-dialog').getByTestId('error-banner').count()).toBe(0);

    await admin.getByTestId('agent-name').fill('billing-bot');
    await admin.getByTestId('agent-create-submit').click();
    await admin.getByTestId('definition-card').waitFor();
    expect(await admin.getByTestId('definition-card').textContent()).toContain('No definition yet');
    expect(await admin.getByTestId('agent-display-name-value').textContent()).toBe('billing-bot');
    expect(await admin.getByTestId('agent-ttl-value').textContent()).toContain('15 minutes');

    await openList(admin);
    expect(await listed(admin)).toEqual(['triage-bot:active', 'billing-bot:active']);
    // Filters: name prefix (typed, applied after a pause), then status; both are kept in the URL.
    await admin.getByTestId('agents-filter-name').fill('tri');
    await expect.poll(() => listed(admin)).toEqual(['triage-bot:active']);
    expect(new URL(admin.url()).searchParams.get('name')).toBe('tri');
    await admin.getByTestId('agents-filter-name').fill('');
    await expect.poll(() => listed(admin)).toHaveLength(2);
    await admin.getByTestId('agents-filter-status').selectOption('suspended');
    await admin.getByTestId('agents-empty').waitFor();
    expect(await admin.getByTestId('agents-empty').textContent()).toContain('No agents match');
    // A status chosen while a typed name waits to apply keeps both.
    await admin.getByTestId('agents-filter-name').fill('bil');
    await admin.getByTestId('agents-filter-status').selectOption('active');
    await expect.poll(() => listed(admin)).toEqual(['billing-bot:active']);
    expect(Object.fromEntries(new URL(admin.url()).searchParams)).toEqual({ status: 'active', name: 'bil' });
    await admin.getByTestId('agents-filter-name').fill('');
    await expect.poll(() => listed(admin)).toEqual(['triage-bot:active', 'billing-bot:active']);

    await admin.goto(`${server.url}/console/agents/not-an-agent-id`);
    await admin.getByTestId('agent-not-found').waitFor();
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('edits the definition into version 2, edits settings, suspends and archives', async () => {
    await openList(admin);
    await row(admin, 'triage-bot').getByTestId('agent-link').click();
    await admin.getByTestId('definition-card').waitFor();

    // A changed definition is a new version; the old one stays and can be viewed.
    await admin.getByTestId('definition-edit').click();
    expect(await admin.getByTestId('definition-submit').isDisabled()).toBe(true); // nothing changed yet
    await admin.getByTestId('agent-model').fill('gpt-4.1');
    await admin.getByTestId('agent-tools').fill('escalate ');
    await admin.getByTestId('definition-submit').click();
    await admin.getByTestId('definition-dialog').waitFor({ state: 'detached' });
    expect(await admin.getByTestId('definition-version').getAttribute('data-version')).toBe('2');
    expect(await admin.getByTestId('definition-model').textContent()).toBe('gpt-4.1');
    await admin.locator('[data-testid="version-row"][data-version="2"]').waitFor();
    expect(
      await admin
        .getByTestId('version-row')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-version'))),
    ).toEqual(['2', '1']);
    expect(await admin.locator('[data-testid="version-row"][data-version="2"]').textContent()).toContain(
      'Current',
    );
    await admin.locator('[data-testid="version-row"][data-version="1"]').getByTestId('version-view').click();
    const dialog = admin.getByTestId('version-dialog');
    await dialog.getByTestId('definition-model').waitFor();
    expect(await dialog.getByTestId('definition-model').textContent()).toBe('gpt-4o');
    expect(await dialog.getByTestId('definition-tools').locator('li').allTextContents()).toEqual([
      'search_tickets',
      'crm.lookup',
    ]);
    expect(new URL(admin.url()).searchParams.get('version')).toBe('1');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Settings: metadata is checked as JSON before it is sent.
    await admin.getByTestId('agent-edit').click();
    await admin.getByTestId('agent-metadata').fill('{"team": ');
    expect(await field(admin, 'agent-metadata').locator('.field-error').textContent()).toContain(
      'Not valid JSON',
    );
    await admin.getByTestId('agent-metadata').fill('["not", "an", "object"]');
    expect(await field(admin, 'agent-metadata').locator('.field-error').textContent()).toContain(
      'JSON object',
    );
    await admin.getByTestId('agent-metadata').fill('{"team": "support", "tier": 2}');
    await admin.getByTestId('agent-description').fill('Sorts tickets and escalates the urgent ones.');
    await admin.getByTestId('agent-edit-submit').click();
    await admin.getByTestId('edit-agent-dialog').waitFor({ state: 'detached' });
    expect(JSON.parse((await admin.getByTestId('agent-metadata-value').textContent()) ?? '')).toEqual({
      team: 'support',
      tier: 2,
    });
    expect(await admin.getByTestId('agent-description-value').textContent()).toBe(
      'Sorts tickets and escalates the urgent ones.',
    );

    // Suspend: the badge changes, and the list's suspended filter finds it.
    await admin.getByTestId('agent-suspend').click();
    await admin.getByTestId('agent-activate').waitFor();
    expect(await statusOf(admin)).toBe('suspended');
    await admin.getByTestId('agent-suspended-banner').waitFor();
    await screenshot(admin, '/tmp/console-agent.png');
    const detailUrl = admin.url();

    await openList(admin);
    await admin.getByTestId('agents-filter-status').selectOption('suspended');
    await expect.poll(() => listed(admin)).toEqual(['triage-bot:suspended']);
    await admin.getByTestId('agents-filter-status').selectOption('');
    await expect.poll(() => listed(admin)).toEqual(['triage-bot:suspended', 'billing-bot:active']);
    await screenshot(admin, '/tmp/console-agents.png');

    // Archive: confirmed (it is final), then read-only.
    await admin.goto(detailUrl);
    await admin.getByTestId('agent-archive').click();
    const confirm = admin.getByTestId('confirm-dialog');
    expect(await confirm.textContent()).toContain('final');
    await confirm.getByRole('button', { name: 'Archive agent' }).click();
    await admin.getByTestId('agent-archived-banner').waitFor();
    expect(await statusOf(admin)).toBe('archived');
    for (const action of [
      'agent-suspend',
      'agent-activate',
      'agent-archive',
      'agent-edit',
      'definition-edit',
    ]) {
      expect(await admin.getByTestId(action).count(), action).toBe(0);
    }
    expect(await admin.getByTestId('version-row').count()).toBe(2); // the history stays
    await screenshot(admin, '/tmp/console-agent-archived.png');

    // Archived agents leave the default list and show under their own filter.
    await openList(admin);
    expect(await listed(admin)).toEqual(['billing-bot:active']);
    await admin.getByTestId('agents-filter-status').selectOption('archived');
    await expect.poll(() => listed(admin)).toEqual(['triage-bot:archived']);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('shows a refused change as a banner when the role no longer allows it', async () => {
    const gh = new GatehouseClient({ baseUrl: server.url });
    await gh.login(server.admin.email, server.admin.password);
    const invitation = await gh.invitations.create(MANAGER.email, 'manager');
    const accepted = await fetch(`${server.url}/v1/invitations/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: invitation.token, password: MANAGER.password, name: MANAGER.name }),
    });
    expect(accepted.status).toBe(200);
    const managerId = ((await accepted.json()) as { user: { id: string } }).user.id;

    const manager = await newPage();
    await signIn(manager, MANAGER.email, MANAGER.password);
    await manager.getByTestId('overview-org-name').waitFor();
    await openList(manager);
    await row(manager, 'billing-bot').getByTestId('agent-link').click();
    await manager.getByTestId('agent-suspend').waitFor();
    // Managers change agents, but archiving is for admins.
    expect(await manager.getByTestId('agent-archive').count()).toBe(0);

    await gh.users.setRole(managerId, 'viewer');
    await manager.getByTestId('agent-suspend').click();
    const banner = manager.getByTestId('error-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('This needs the manager role or above');
    expect(await statusOf(manager)).toBe('active');

    // Signed in again as a viewer: read-only, with nothing to click.
    await manager.reload();
    await manager.getByTestId('read-only-notice').waitFor();
    expect(await manager.getByTestId('agent-suspend').count()).toBe(0);
    await openList(manager);
    await manager.getByTestId('read-only-notice').waitFor();
    expect(await manager.getByTestId('agent-create').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
