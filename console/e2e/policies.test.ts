// Browser test of the Policies page against a real Gatehouse server: the set in force and its version; an invalid
// text is refused with the server's problems shown at their line and column (the line marked in the gutter);
// a valid one becomes the next version, listed in the history; the "test a request" box decides with the text
// being edited, saved or not, and shows allow/deny, the reasons and the deciding policies. Managers read and test;
// members see nothing.
// Run with `npx vitest run console/e2e/policies.test.ts`; CONSOLE_E2E_SCREENSHOTS=1 saves
// /tmp/console-policy-errors.png and /tmp/console-policies.png.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../server/test/client.js';
import { expectRefused, hasChromium, screenshot, useConsoleHarness } from './browser.js';

const INVALID = `@id("default-permit")
permit (principal, action, resource);

@id("big-feet")
permit (principal, action, resource)
  when { principal.shoe_size > 3 };
`;

const VALID = `@id("default-permit")
permit (principal, action, resource);

@id("github-from-the-office")
forbid (principal, action == Action::"integration.call", resource is Integration)
  when {
    resource has name && resource.name == "github" &&
    context has ip && !context.ip.isInRange(ip("10.0.0.0/8"))
  };
`;

interface Problem {
  line?: number;
  column?: number;
  message: string;
}

/** What the page's textarea offers, typed here without the DOM library. */
interface TextArea {
  value: string;
  selectionStart: number;
  setSelectionRange(start: number, end: number): void;
}

const reasons = (page: Page) => page.getByTestId('simulate-reason').allTextContents();

describe.skipIf(!hasChromium)('policies in the console', () => {
  const harness = useConsoleHarness();
  const { newPage, signIn, pageErrors } = harness;
  let server: typeof harness.server;
  let http: ReturnType<typeof client>;
  let adminToken: string;
  let admin: Page;
  let agentId = '';

  /** Fills in the "test a request" box for an integration.call on github from `ip`, and runs it. */
  async function testRequest(page: Page, ip: string) {
    await page.getByTestId('simulate-agent').selectOption({ label: 'caller' });
    await page.getByTestId('simulate-action').selectOption('integration.call');
    expect(await page.getByTestId('simulate-resource-type').inputValue()).toBe('Integration');
    await page.getByTestId('simulate-resource-id').fill('int_github');
    await page.getByTestId('simulate-resource-name').fill('github');
    await page.getByTestId('simulate-ip').fill(ip);
    await page.getByTestId('simulate-method').fill('post');
    await page.getByTestId('simulate-path').fill('/repos');
    await page.getByTestId('simulate-run').click();
  }

  beforeAll(async () => {
    server = harness.server;
    http = client(server);
    adminToken = await http.login(server.admin.email, server.admin.password);
    const agent = await http.post('/v1/agents', { name: 'caller' }, adminToken);
    expect(agent.status).toBe(201);
    agentId = agent.body.id;
    const skill = await http.post(
      `/v1/agents/${agentId}/skills`,
      { capability: 'integration_execute' },
      adminToken,
    );
    expect(skill.status).toBe(201);
    admin = await newPage();
    await signIn(admin, server.admin.email, server.admin.password);
    await admin.getByTestId('overview-org-name').waitFor();
  });

  it('shows the set in force; an invalid text gets line-precise errors; a valid one is the next version', async () => {
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Policies' }).click();
    await admin.getByTestId('policy-text').waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/policies');
    const inForce = (await http.get('/v1/authz/policies', adminToken)).body as {
      version: number;
      text: string;
    };
    expect(inForce.version).toBe(0);
    expect(await admin.getByTestId('policy-version').getAttribute('data-version')).toBe('0');
    expect(await admin.getByTestId('policy-version').textContent()).toBe('Built-in default');
    expect(await admin.getByTestId('policy-text').inputValue()).toBe(inForce.text);
    expect(await admin.getByTestId('policy-summary-item').allTextContents()).toEqual([
      'permit default-permit',
    ]);
    await admin.getByTestId('policy-versions-empty').waitFor();
    expect(await admin.getByTestId('policy-save').isDisabled()).toBe(true);

    // Invalid: the server's problems, each at its line and column, listed and marked in the gutter.
    await admin.getByTestId('policy-text').fill(INVALID);
    await admin.getByTestId('policy-dirty').waitFor();
    await admin.getByTestId('policy-save').click();
    await admin.getByTestId('policy-errors').waitFor();
    const refused = await http.call('PUT', '/v1/authz/policies', {
      token: adminToken,
      body: { text: INVALID },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('invalid_policy');
    const problems = refused.body.errors as Problem[];
    const first = problems[0] as Problem;
    expect(first.line).toBe(6);
    expect(first.message).toContain('shoe_size');
    const shown = admin.getByTestId('policy-error').first();
    expect(await shown.getAttribute('data-line')).toBe(String(first.line));
    expect(await shown.getAttribute('data-column')).toBe(String(first.column));
    expect(await shown.textContent()).toBe(`line ${first.line}, col ${first.column}: ${first.message}`);
    expect(await admin.getByTestId('policy-error').count()).toBe(problems.length);
    expect(
      await admin
        .getByTestId('policy-error-line')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-line'))),
    ).toEqual([...new Set(problems.map((p) => String(p.line)))]);
    // The caret went to the problem, and a click on its place puts it there again.
    const caret = () =>
      admin.getByTestId('policy-text').evaluate((el) => {
        const area = el as unknown as TextArea;
        const before = area.value.slice(0, area.selectionStart);
        return `${before.split('\n').length}:${before.length - before.lastIndexOf('\n')}`;
      });
    expect(await caret()).toBe(`${first.line}:${first.column}`);
    await admin
      .getByTestId('policy-text')
      .evaluate((el) => (el as unknown as TextArea).setSelectionRange(0, 0));
    await shown.getByTestId('policy-error-place').click();
    expect(await caret()).toBe(`${first.line}:${first.column}`);
    await screenshot(admin, '/tmp/console-policy-errors.png');
    expect((await http.get('/v1/authz/policies', adminToken)).body.version).toBe(0);

    // Testing a request with the invalid text sends the user back to the problems.
    await testRequest(admin, '192.168.1.5');
    await admin.getByTestId('simulate-invalid').waitFor();

    // Valid: saved as version 1 with its note, in force at once, first in the history.
    await admin.getByTestId('policy-text').fill(VALID);
    await admin.getByTestId('policy-note').fill('github from the office only');
    await admin.getByTestId('policy-save').click();
    await admin.getByTestId('policy-saved').waitFor();
    expect(await admin.getByTestId('policy-saved').textContent()).toContain('Saved as version 1');
    expect(await admin.getByTestId('policy-errors').count()).toBe(0);
    await expect.poll(() => admin.getByTestId('policy-version').getAttribute('data-version')).toBe('1');
    expect(await admin.getByTestId('policy-version').textContent()).toBe('Version 1');
    expect(await admin.getByTestId('policy-summary-item').allTextContents()).toEqual([
      'permit default-permit',
      'forbid github-from-the-office',
    ]);
    const saved = (await http.get('/v1/authz/policies', adminToken)).body as {
      version: number;
      text: string;
    };
    expect(saved).toMatchObject({ version: 1, text: VALID });
    await admin.getByTestId('policy-version-row').first().waitFor();
    expect(await admin.getByTestId('policy-version-number').allTextContents()).toEqual(['1']);
    expect(await admin.getByTestId('policy-version-note').allTextContents()).toEqual([
      'github from the office only',
    ]);
    await admin.getByTestId('policy-version-view').click();
    expect(await admin.getByTestId('policy-version-text').textContent()).toBe(VALID);
    await admin.getByTestId('policy-version-dialog').getByRole('button', { name: 'Close' }).click();
    await admin.getByTestId('policy-version-dialog').waitFor({ state: 'detached' });

    // It survives a reload: the page shows the server's state.
    await admin.reload();
    await admin.getByTestId('policy-text').waitFor();
    expect(await admin.getByTestId('policy-text').inputValue()).toBe(VALID);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('tests a request with the text being edited: allow or deny, the reasons and the deciding policies', async () => {
    await admin.goto(`${server.url}/console/policies`);
    await admin.getByTestId('policy-text').waitFor();

    // From outside the office the forbid decides; the page says what the API says.
    await testRequest(admin, '192.168.1.5');
    await admin.getByTestId('simulate-result').waitFor();
    expect(await admin.getByTestId('simulate-result').getAttribute('data-allowed')).toBe('false');
    expect(await admin.getByTestId('simulate-verdict').textContent()).toBe('Denied');
    const api = await http.post(
      '/v1/authz/simulate',
      {
        agent_id: agentId,
        action: 'integration.call',
        resource: { type: 'Integration', id: 'int_github', name: 'github' },
        context: { ip: '192.168.1.5', method: 'POST', path: '/repos' },
      },
      adminToken,
    );
    expect(api.status).toBe(200);
    expect(api.body.allowed).toBe(false);
    expect(await reasons(admin)).toEqual(api.body.reasons);
    expect(await reasons(admin)).toContain('forbidden_by:github-from-the-office');
    expect(await admin.getByTestId('simulate-policies').locator('li').allTextContents()).toEqual(
      api.body.policies,
    );
    expect(await admin.getByTestId('simulate-source').textContent()).toBe('Version 1, in force');

    // From the office: allowed by the permit.
    await admin.getByTestId('simulate-ip').fill('10.1.2.3');
    await admin.getByTestId('simulate-run').click();
    await expect.poll(() => admin.getByTestId('simulate-result').getAttribute('data-allowed')).toBe('true');
    expect(await admin.getByTestId('simulate-verdict').textContent()).toBe('Allowed');
    expect(await reasons(admin)).toEqual(['permitted_by:default-permit']);
    await screenshot(admin, '/tmp/console-policies.png');

    // A draft without the forbid, not saved: the request from outside is allowed by it, and nothing is saved.
    await admin
      .getByTestId('policy-text')
      .fill('@id("default-permit")\npermit (principal, action, resource);\n');
    await admin.getByTestId('simulate-ip').fill('192.168.1.5');
    await admin.getByTestId('simulate-run').click();
    await expect.poll(() => admin.getByTestId('simulate-result').getAttribute('data-allowed')).toBe('true');
    expect(await admin.getByTestId('simulate-source').textContent()).toBe(
      'The text in the editor (not saved)',
    );
    expect((await http.get('/v1/authz/policies', adminToken)).body.version).toBe(1);
    await admin.getByTestId('policy-reset').click();
    expect(await admin.getByTestId('policy-text').inputValue()).toBe(VALID);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('managers read and test without saving; members see nothing, and the API refuses them too', async () => {
    const manager = await http.addMember(adminToken, 'policies-manager@example.com', 'manager');
    const page = await newPage();
    await signIn(page, 'policies-manager@example.com', manager.password);
    await page.getByTestId('overview-org-name').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Policies' }).click();
    await page.getByTestId('policies-read-only').waitFor();
    await page.getByTestId('policy-text').waitFor();
    expect(await page.getByTestId('policy-save').count()).toBe(0);
    expect(await page.getByTestId('policy-text').getAttribute('readonly')).not.toBeNull();
    await testRequest(page, '192.168.1.5');
    await expect.poll(() => page.getByTestId('simulate-result').getAttribute('data-allowed')).toBe('false');
    expect(
      (await http.call('PUT', '/v1/authz/policies', { token: manager.token, body: { text: VALID } })).status,
    ).toBe(403);

    await expectRefused(harness, adminToken, {
      email: 'policies-member@example.com',
      role: 'member',
      link: 'Policies',
      pages: [
        { path: '/policies', forbidden: 'policies-forbidden', absent: ['policy-text', 'simulate-run'] },
      ],
      api: [
        { path: '/v1/authz/policies' },
        { path: '/v1/authz/policies/versions' },
        { method: 'PUT', path: '/v1/authz/policies', body: { text: VALID } },
      ],
    });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
