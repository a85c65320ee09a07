// Browser test of the Delegations page against a real Gatehouse server: an admin grants an agent the right to
// act for a user (scopes, depth, expiry) and for another agent (no limits), sees them listed by name, checks
// them against the API, revokes one behind a confirmation and filters by status. Non-admins see nothing.
// Run with `npx vitest run console/e2e/delegations.test.ts`; CONSOLE_E2E_SCREENSHOTS=1 saves
// /tmp/console-delegation-create.png (the form) and /tmp/console-delegations.png (the list).
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../server/test/client.js';
import { hasChromium, screenshot, useConsoleHarness } from './browser.js';

const MEMBER = { email: 'ursula@example.com', name: 'Ursula User', password: 'a member passphrase' };

interface Grant {
  id: string;
  actor_agent_id: string;
  subject: { type: 'agent' | 'user'; id: string };
  scopes: string[] | null;
  max_depth: number;
  expires_at: string | null;
  created_by: string | null;
  revoked_at: string | null;
  status: 'active' | 'expired' | 'revoked';
}

const rows = (page: Page) => page.getByTestId('delegation-row');
const row = (page: Page, id: string) => page.locator(`[data-testid="delegation-row"][data-id="${id}"]`);
const listed = (page: Page) =>
  rows(page).evaluateAll((els) =>
    els.map((el) => `${el.getAttribute('data-id')}:${el.getAttribute('data-status')}`),
  );
const field = (page: Page, testId: string) => page.locator('.field', { has: page.getByTestId(testId) });
const fieldError = (page: Page, testId: string) => field(page, testId).locator('.field-error').textContent();

describe.skipIf(!hasChromium)('delegation grants in the console', () => {
  const harness = useConsoleHarness();
  const { newPage, signIn, pageErrors } = harness;
  let server: typeof harness.server;
  let http: ReturnType<typeof client>;
  let adminToken: string;
  let admin: Page;
  const ids = { planner: '', mailer: '', member: '', adminUser: '' };
  const grants = { user: '', agent: '' };
  const nextYear = new Date().getFullYear() + 1;

  /** The grants as the API lists them, newest or oldest first: found by id, not by place. */
  async function apiGrants(query = ''): Promise<Grant[]> {
    const r = await http.get(`/v1/delegations${query}`, adminToken);
    expect(r.status).toBe(200);
    return r.body.items as Grant[];
  }

  beforeAll(async () => {
    server = harness.server;
    http = client(server);
    adminToken = await http.login(server.admin.email, server.admin.password);
    ids.adminUser = (await http.get('/v1/auth/session', adminToken)).body.user.id;
    for (const name of ['planner', 'mailer'] as const) {
      const r = await http.post(
        '/v1/agents',
        { name, allowed_scopes: ['mail:send', 'calendar:read'] },
        adminToken,
      );
      expect(r.status).toBe(201);
      ids[name] = r.body.id;
    }
    const inv = await http.post('/v1/invitations', { email: MEMBER.email, role: 'member' }, adminToken);
    const acc = await http.post('/v1/invitations/accept', {
      token: inv.body.token,
      password: MEMBER.password,
      name: MEMBER.name,
    });
    expect(acc.status).toBe(200);
    ids.member = acc.body.user.id;
    admin = await newPage();
    await signIn(admin, server.admin.email, server.admin.password);
    await admin.getByTestId('overview-org-name').waitFor();
  });

  it('grants an agent the right to act for a user and for an agent, listed by name', async () => {
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Delegations' }).click();
    await admin.getByTestId('delegations-empty').waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/delegations');
    await admin.getByTestId('delegation-create-empty').click();
    const dialog = admin.getByTestId('delegation-dialog');

    // Checked here first: an actor and a subject are needed, and the depth is 1 to 5.
    await admin.getByTestId('delegation-create-submit').click();
    expect(await fieldError(admin, 'delegation-actor-select')).toBe('Choose the agent that will act.');
    expect(await fieldError(admin, 'delegation-subject-select')).toBe('Choose the user it acts for.');

    await admin.getByTestId('delegation-actor-select').selectOption({ label: 'planner' });
    expect(await admin.getByTestId('delegation-subject-type').inputValue()).toBe('user');
    await admin
      .getByTestId('delegation-subject-select')
      .selectOption({ label: `${MEMBER.name} (${MEMBER.email})` });
    await admin.getByTestId('delegation-scopes-input').fill('mail:send calendar:read ');
    expect(await field(admin, 'delegation-scopes-input').getByTestId('token-chip').allTextContents()).toEqual(
      ['mail:send', 'calendar:read'],
    );
    await admin.getByTestId('delegation-depth-input').fill('6');
    await admin.getByTestId('delegation-expires-input').fill(`${nextYear}-06-30T12:00`);
    await admin.getByTestId('delegation-create-submit').click();
    expect(await fieldError(admin, 'delegation-depth-input')).toBe('Enter a whole number from 1 to 5.');
    await admin.getByTestId('delegation-depth-input').fill('2');
    await screenshot(admin, '/tmp/console-delegation-create.png');
    await admin.getByTestId('delegation-create-submit').click();
    await dialog.waitFor({ state: 'detached' });

    // What the API holds is what was chosen.
    const [userGrant] = await apiGrants();
    expect(userGrant).toMatchObject({
      actor_agent_id: ids.planner,
      subject: { type: 'user', id: ids.member },
      max_depth: 2,
      created_by: ids.adminUser,
      revoked_at: null,
      status: 'active',
    });
    expect(userGrant?.id).toMatch(/^dlg_/);
    // Scopes are a set: the server may keep them in any order.
    expect([...(userGrant?.scopes ?? [])].sort()).toEqual(['calendar:read', 'mail:send']);
    // The browser and this process share the machine's time zone, so both read the typed time alike.
    expect(Date.parse(userGrant?.expires_at ?? '')).toBe(new Date(`${nextYear}-06-30T12:00`).getTime());
    grants.user = userGrant?.id ?? '';

    // Listed by name: the actor agent and the user it acts for.
    const userRow = row(admin, grants.user);
    await userRow.waitFor();
    expect(await userRow.getByTestId('delegation-actor').textContent()).toBe('planner');
    expect(await userRow.getByTestId('delegation-subject').textContent()).toBe(MEMBER.name);
    expect((await userRow.getByTestId('delegation-scopes').locator('li').allTextContents()).sort()).toEqual([
      'calendar:read',
      'mail:send',
    ]);
    expect(await userRow.getByTestId('delegation-depth').textContent()).toBe('2');
    expect(await userRow.getByTestId('delegation-expires').textContent()).toMatch(
      /^in \d+ months?$|^next year$/,
    );
    expect(await userRow.getByTestId('delegation-status').getAttribute('data-status')).toBe('active');

    // For an agent: the actor is not offered as its own subject; no scopes and no expiry are limits left out.
    await admin.getByTestId('delegation-create').click();
    await admin.getByTestId('delegation-actor-select').selectOption({ label: 'planner' });
    await admin.getByTestId('delegation-subject-type').selectOption('agent');
    expect(await admin.getByTestId('delegation-subject-select').locator('option').allTextContents()).toEqual([
      'Choose an agent…',
      'mailer',
    ]);
    await admin.getByTestId('delegation-subject-select').selectOption({ label: 'mailer' });
    expect(await admin.getByTestId('delegation-depth-input').inputValue()).toBe('1');
    await admin.getByTestId('delegation-create-submit').click();
    await dialog.waitFor({ state: 'detached' });

    const agentGrant = (await apiGrants()).find((g) => g.id !== grants.user);
    expect(agentGrant).toMatchObject({
      actor_agent_id: ids.planner,
      subject: { type: 'agent', id: ids.mailer },
      scopes: null,
      max_depth: 1,
      expires_at: null,
      status: 'active',
    });
    grants.agent = agentGrant?.id ?? '';
    const agentRow = row(admin, grants.agent);
    await agentRow.waitFor();
    expect(await agentRow.getByTestId('delegation-subject').textContent()).toBe('mailer');
    expect(await agentRow.getByTestId('delegation-scopes-any').textContent()).toBe('Any the subject has');
    expect(await agentRow.getByTestId('delegation-expires').textContent()).toBe('Never');
    expect(await agentRow.getByTestId('delegation-depth').textContent()).toBe('1');
    expect((await listed(admin)).sort()).toEqual([`${grants.agent}:active`, `${grants.user}:active`].sort());
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('revokes a grant behind a confirmation; it stays listed as revoked; the status filter finds each', async () => {
    await admin.goto(`${server.url}/console/delegations`);
    await row(admin, grants.user).getByTestId('delegation-revoke').click();
    const confirm = admin.getByTestId('confirm-dialog');
    expect(await confirm.textContent()).toContain('can no longer exchange tokens');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect((await http.get(`/v1/delegations/${grants.user}`, adminToken)).body.status).toBe('active');

    await row(admin, grants.user).getByTestId('delegation-revoke').click();
    await confirm.getByRole('button', { name: 'Revoke grant' }).click();
    await confirm.waitFor({ state: 'detached' });
    await expect
      .poll(() => row(admin, grants.user).getByTestId('delegation-status').getAttribute('data-status'))
      .toBe('revoked');
    expect(await row(admin, grants.user).getByTestId('delegation-revoke').count()).toBe(0);
    expect(await row(admin, grants.agent).getByTestId('delegation-revoke').count()).toBe(1);
    const revoked = (await http.get(`/v1/delegations/${grants.user}`, adminToken)).body as Grant;
    expect(revoked.status).toBe('revoked');
    expect(revoked.revoked_at).not.toBeNull();
    await screenshot(admin, '/tmp/console-delegations.png');

    // The filter is kept in the URL, so a filtered list survives a reload.
    await admin.getByTestId('delegations-filter-status').selectOption('active');
    await expect.poll(() => listed(admin)).toEqual([`${grants.agent}:active`]);
    expect(new URL(admin.url()).searchParams.get('status')).toBe('active');
    await admin.getByTestId('delegations-filter-status').selectOption('revoked');
    await expect.poll(() => listed(admin)).toEqual([`${grants.user}:revoked`]);
    await admin.reload();
    await row(admin, grants.user).waitFor();
    expect(await listed(admin)).toEqual([`${grants.user}:revoked`]);
    expect(await admin.getByTestId('delegations-filter-status').inputValue()).toBe('revoked');
    await admin.getByTestId('delegations-filter-status').selectOption('expired');
    await admin.getByTestId('delegations-empty').waitFor();
    expect(await admin.getByTestId('delegations-empty').textContent()).toContain('No expired grants');
    await admin.getByTestId('delegations-filter-status').selectOption('');
    await expect.poll(async () => (await listed(admin)).length).toBe(2);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('is for admins only: no sidebar entry, no grants, and the API refuses too', async () => {
    const page = await newPage();
    await signIn(page, MEMBER.email, MEMBER.password);
    await page.getByTestId('overview-org-name').waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Agents' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Delegations' }).count()).toBe(0);
    await page.goto(`${server.url}/console/delegations`);
    await page.getByTestId('delegations-forbidden').waitFor();
    expect(await page.getByTestId('delegation-create').count()).toBe(0);
    expect(await page.getByTestId('delegation-row').count()).toBe(0);
    const memberToken = await http.login(MEMBER.email, MEMBER.password);
    expect((await http.get('/v1/delegations', memberToken)).status).toBe(403);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
