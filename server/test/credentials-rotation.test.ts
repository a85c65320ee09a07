import { describe, expect, it } from 'vitest';
import { useCredentialsServer } from './credentials-fixture.js';
import { manualClock } from './harness.js';

const clock = manualClock();
const t = useCredentialsServer(clock);

const rotate = (agentId: string, id: string, body?: unknown) =>
  t.api.call('POST', `/v1/agents/${agentId}/credentials/${id}/rotate`, {
    token: t.admin,
    ...(body === undefined ? {} : { body }),
  });
const statusOf = async (agentId: string, id: string) =>
  (await t.api.get(`/v1/agents/${agentId}/credentials`, t.admin)).body.items.find((c: any) => c.id === id);

describe('rotation', () => {
  it('the new secret works at once; the old one until its grace ends, then not', async () => {
    const { credentials } = t.services;
    const agent = await t.newAgent();
    const c = await t.issue(agent.id);
    const r = await rotate(agent.id, c.id, { grace_seconds: 600 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: c.id,
      client_id: c.client_id,
      client_secret: expect.stringMatching(/^ghcs_/),
      previous_valid_until: new Date(clock.now().getTime() + 600_000).toISOString(),
    });
    expect(r.body.client_secret).not.toBe(c.client_secret);

    expect(await credentials.authenticateSecret(c.client_id, r.body.client_secret)).toMatchObject({
      credentialId: c.id,
    });
    expect(await credentials.authenticateSecret(c.client_id, c.client_secret)).toMatchObject({
      credentialId: c.id,
    });
    expect(await statusOf(agent.id, c.id)).toMatchObject({
      status: 'rotating',
      previous_valid_until: r.body.previous_valid_until,
    });

    clock.advance(599_000);
    expect(await credentials.authenticateSecret(c.client_id, c.client_secret)).toBeDefined();
    clock.advance(1_000);
    expect(await credentials.authenticateSecret(c.client_id, c.client_secret)).toBeUndefined();
    expect(await credentials.authenticateSecret(c.client_id, r.body.client_secret)).toBeDefined();
    expect(await statusOf(agent.id, c.id)).toMatchObject({ status: 'active', previous_valid_until: null });

    const audit = await t.server.runtime.db.system
      .selectFrom('audit_events')
      .select(['action', 'details'])
      .where('target_id', '=', c.id)
      .where('action', '=', 'credential.rotated')
      .execute();
    expect(audit).toEqual([
      {
        action: 'credential.rotated',
        details: {
          agent_id: agent.id,
          type: 'client_secret',
          grace_seconds: 600,
          previous_valid_until: r.body.previous_valid_until,
        },
      },
    ]);
  });

  it('defaults to an hour of grace; 0 stops the old secret at once; a second rotation ends the first grace', async () => {
    const { credentials } = t.services;
    const agent = await t.newAgent();
    const c = await t.issue(agent.id);
    const first = await rotate(agent.id, c.id);
    expect(first.status).toBe(200);
    expect(Date.parse(first.body.previous_valid_until) - clock.now().getTime()).toBe(3600_000);
    expect((await rotate(agent.id, c.id, {})).status).toBe(200);

    const now = await rotate(agent.id, c.id, { grace_seconds: 0 });
    expect(now.status).toBe(200);
    for (const old of [c.client_secret, first.body.client_secret]) {
      expect(await credentials.authenticateSecret(c.client_id, old)).toBeUndefined();
    }
    expect(await credentials.authenticateSecret(c.client_id, now.body.client_secret)).toBeDefined();
    expect((await statusOf(agent.id, c.id)).status).toBe('active');
  });

  it('rotates an API key on the same prefix', async () => {
    const { credentials } = t.services;
    const agent = await t.newAgent();
    const k = await t.issue(agent.id, { type: 'api_key' });
    const r = await rotate(agent.id, k.id, { grace_seconds: 60 });
    expect(r.body).toMatchObject({
      key_prefix: k.key_prefix,
      api_key: expect.stringMatching(`^gh_${k.key_prefix}_`),
    });
    expect(await credentials.authenticateApiKey(r.body.api_key)).toMatchObject({ credentialId: k.id });
    expect(await credentials.authenticateApiKey(k.api_key)).toMatchObject({ credentialId: k.id });
    clock.advance(60_000);
    expect(await credentials.authenticateApiKey(k.api_key)).toBeUndefined();
    expect(await credentials.authenticateApiKey(r.body.api_key)).toBeDefined();
  });

  it('takes a grace between 0 and 7 days', async () => {
    const agent = await t.newAgent();
    const c = await t.issue(agent.id);
    for (const grace of [-1, 7 * 86_400 + 1, 1.5, '60']) {
      const r = await rotate(agent.id, c.id, { grace_seconds: grace });
      expect(r.status, String(grace)).toBe(400);
      expect(r.body.errors[0].field).toBe('body.grace_seconds');
    }
    expect((await rotate(agent.id, c.id, { grace_seconds: 7 * 86_400 })).status).toBe(200);
    expect((await rotate(agent.id, c.id, { grace_seconds: 60, extra: 1 })).status).toBe(400);
  });
});

describe('expiry', () => {
  it('an expired credential stops authenticating, is listed as expired and cannot be rotated', async () => {
    const { credentials } = t.services;
    const agent = await t.newAgent();
    const expiresAt = new Date(clock.now().getTime() + 60_000).toISOString();
    const c = await t.issue(agent.id, { expires_at: expiresAt });
    const k = await t.issue(agent.id, { type: 'api_key', expires_at: expiresAt });
    expect(c.expires_at).toBe(expiresAt);
    expect(await credentials.authenticateSecret(c.client_id, c.client_secret)).toBeDefined();
    expect(await credentials.authenticateApiKey(k.api_key)).toBeDefined();
    expect(await credentials.isLive(t.orgId, c.id)).toBe(true);

    clock.advance(60_000);
    expect(await credentials.authenticateSecret(c.client_id, c.client_secret)).toBeUndefined();
    expect(await credentials.authenticateApiKey(k.api_key)).toBeUndefined();
    expect(await credentials.isLive(t.orgId, c.id)).toBe(false);
    expect(await statusOf(agent.id, c.id)).toMatchObject({ status: 'expired', expires_at: expiresAt });
    const r = await rotate(agent.id, c.id, { grace_seconds: 60 });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('credential_expired');
  });

  it('refuses an expiry that is not in the future by the server clock', async () => {
    const agent = await t.newAgent();
    const r = await t.api.post(
      `/v1/agents/${agent.id}/credentials`,
      { type: 'client_secret', expires_at: clock.now().toISOString() },
      t.admin,
    );
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'invalid_expiry', errors: [{ field: 'body.expires_at' }] });
  });
});
