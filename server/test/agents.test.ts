import { describe, expect, it } from 'vitest';
import { useAgentsServer } from './agents-fixture.js';

const t = useAgentsServer();

const auditOf = (agentId: string) =>
  t.server.runtime.db.system
    .selectFrom('audit_events')
    .select(['action', 'actor_id', 'details'])
    .where('target_id', '=', agentId)
    .orderBy('id')
    .execute();

describe('agents', () => {
  it('creates an agent with defaults, and reads it back', async () => {
    const created = await t.newAgent({ name: 'billing-bot', allowed_scopes: ['tools:read', 'files:write'] });
    expect(created).toMatchObject({
      id: expect.stringMatching(/^agt_[0-9a-z]{26}$/),
      name: 'billing-bot',
      display_name: 'billing-bot',
      description: '',
      owner: t.adminId,
      status: 'active',
      allowed_scopes: ['files:write', 'tools:read'],
      token_ttl_seconds: 900,
      metadata: {},
      definition: null,
    });
    const read = await t.api.get(`/v1/agents/${created.id}`, t.admin);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created);
  });

  it('creates version 1 from an initial definition and shows it inline', async () => {
    const definition = { instructions: 'Be brief.', model: 'gpt-4o', tools: ['search', 'search', 'fs.read'] };
    const created = await t.newAgent({ definition });
    expect(created.definition).toMatchObject({ version: 1, model: 'gpt-4o', tools: ['search', 'fs.read'] });
    expect(created.definition.created_by).toBe(t.adminId);
  });

  it('patches settings, and answers the same agent when nothing changes', async () => {
    const a = await t.newAgent();
    const patch = {
      display_name: 'Support',
      description: 'Answers tickets',
      allowed_scopes: ['b', 'a', 'a'],
      token_ttl_seconds: 60,
      metadata: { team: 'support', tier: { level: 2 } },
    };
    const r = await t.api.patch(`/v1/agents/${a.id}`, patch, t.admin);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ...patch, allowed_scopes: ['a', 'b'] });
    expect(Date.parse(r.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(a.updated_at));
    const again = await t.api.patch(
      `/v1/agents/${a.id}`,
      { ...patch, metadata: { tier: { level: 2 }, team: 'support' } },
      t.admin,
    );
    expect(again.body.updated_at).toBe(r.body.updated_at);
    const audit = await auditOf(a.id);
    expect(audit.map((e) => e.action)).toEqual(['agent.created', 'agent.updated']);
    expect(audit[1]?.details).toEqual({
      fields: ['display_name', 'description', 'allowed_scopes', 'token_ttl_seconds', 'metadata'],
    });
  });

  it('names are unique per org among agents that are not archived', async () => {
    await t.newAgent({ name: 'unique-one' });
    const dup = await t.api.post('/v1/agents', { name: 'unique-one' }, t.admin);
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('name_taken');
    const racing = await Promise.all(
      [1, 2, 3].map(() => t.api.post('/v1/agents', { name: 'racer' }, t.admin)),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(racing.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual([
      'name_taken',
      'name_taken',
    ]);
  });

  it('suspends and reactivates, auditing the status change', async () => {
    const a = await t.newAgent();
    const s = await t.api.patch(`/v1/agents/${a.id}`, { status: 'suspended' }, t.admin);
    expect(s.body.status).toBe('suspended');
    expect((await t.api.patch(`/v1/agents/${a.id}`, { status: 'active' }, t.admin)).body.status).toBe(
      'active',
    );
    const audit = await auditOf(a.id);
    expect(audit.filter((e) => e.action === 'agent.status_changed').map((e) => e.details)).toEqual([
      { from: 'active', to: 'suspended' },
      { from: 'suspended', to: 'active' },
    ]);
    const archiveByPatch = await t.api.patch(`/v1/agents/${a.id}`, { status: 'archived' }, t.admin);
    expect(archiveByPatch.status).toBe(400);
    expect(archiveByPatch.body.errors[0].field).toBe('body.status');
  });

  it('archives on DELETE: final, idempotent, audited, and the name is free again', async () => {
    const a = await t.newAgent({ name: 'retiring' });
    expect((await t.api.del(`/v1/agents/${a.id}`, t.admin)).status).toBe(204);
    expect((await t.api.del(`/v1/agents/${a.id}`, t.admin)).status).toBe(204);
    const read = await t.api.get(`/v1/agents/${a.id}`, t.admin);
    expect(read.body.status).toBe('archived');
    const patch = await t.api.patch(`/v1/agents/${a.id}`, { status: 'active' }, t.admin);
    expect(patch.status).toBe(409);
    expect(patch.body.code).toBe('agent_archived');
    expect((await auditOf(a.id)).filter((e) => e.action === 'agent.archived')).toEqual([
      { action: 'agent.archived', actor_id: t.adminId, details: { name: 'retiring', from: 'active' } },
    ]);
    const reborn = await t.newAgent({ name: 'retiring' });
    expect(reborn.id).not.toBe(a.id);
  });

  it('owner must be a member of the org; changing it is audited', async () => {
    const other = await t.api.addMember(t.admin, 'owner-to-be@example.com', 'viewer');
    const a = await t.newAgent({ owner: other.id });
    expect(a.owner).toBe(other.id);
    const stranger = 'usr_00000000000000000000000000';
    const bad = await t.api.patch(`/v1/agents/${a.id}`, { owner: stranger }, t.admin);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'owner_not_member', errors: [{ field: 'body.owner' }] });
    expect((await t.api.post('/v1/agents', { name: 'orphan', owner: stranger }, t.admin)).status).toBe(400);
    expect((await t.api.patch(`/v1/agents/${a.id}`, { owner: t.adminId }, t.admin)).body.owner).toBe(
      t.adminId,
    );
    expect((await auditOf(a.id)).map((e) => e.details)).toEqual([
      { name: a.name, owner: other.id },
      { fields: ['owner'] },
    ]);
  });

  it('refuses viewers and members writes, managers deletes, and lets viewers read', async () => {
    const a = await t.newAgent();
    const viewer = await t.api.addMember(t.admin, 'agent-viewer@example.com', 'viewer');
    const member = await t.api.addMember(t.admin, 'agent-member@example.com', 'member');
    const manager = await t.api.addMember(t.admin, 'agent-manager@example.com', 'manager');
    for (const token of [viewer.token, member.token]) {
      for (const r of [
        await t.api.post('/v1/agents', { name: 'not-allowed' }, token),
        await t.api.patch(`/v1/agents/${a.id}`, { description: 'x' }, token),
        await t.api.del(`/v1/agents/${a.id}`, token),
      ]) {
        expect(r.status).toBe(403);
        expect(r.body.code).toBe('insufficient_role');
      }
      expect((await t.api.get(`/v1/agents/${a.id}`, token)).status).toBe(200);
    }
    expect((await t.api.del(`/v1/agents/${a.id}`, manager.token)).status).toBe(403);
    expect((await t.api.post('/v1/admin/reload', undefined, manager.token)).status).toBe(403);
    const byManager = await t.newAgent({}, manager.token);
    expect(byManager.owner).toBe(manager.id);
    expect((await t.api.get('/v1/agents', '')).status).toBe(401);
  });

  it('validates fields and names them', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'Bad Name' }, 'body.name'],
      [{ name: '-leading' }, 'body.name'],
      [{ name: 'ok', allowed_scopes: ['has space'] }, 'body.allowed_scopes.0'],
      [{ name: 'ok', allowed_scopes: ['quo"te'] }, 'body.allowed_scopes.0'],
      [{ name: 'ok', allowed_scopes: ['back\\slash'] }, 'body.allowed_scopes.0'],
      [{ name: 'ok', token_ttl_seconds: 59 }, 'body.token_ttl_seconds'],
      [{ name: 'ok', token_ttl_seconds: 86_401 }, 'body.token_ttl_seconds'],
      [{ name: 'ok', metadata: { blob: 'x'.repeat(16 * 1024) } }, 'body.metadata'],
      [{ name: 'ok', metadata: ['not', 'an', 'object'] }, 'body.metadata'],
      [{ name: 'ok', surprise: true }, 'body.surprise'],
      [{ name: 'ok', definition: { instructions: '', model: '' } }, 'body.definition.model'],
      [
        { name: 'ok', definition: { instructions: '', model: 'm', tools: ['bad tool'] } },
        'body.definition.tools.0',
      ],
    ];
    for (const [body, field] of cases) {
      const r = await t.api.post('/v1/agents', body, t.admin);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors.map((e: any) => e.field)).toContain(field);
    }
    const a = await t.newAgent({ allowed_scopes: ['!#[]~', 'urn:x:y'] });
    const r = await t.api.patch(`/v1/agents/${a.id}`, { name: 'renamed' }, t.admin);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].field).toBe('body.name');
    expect((await t.api.get('/v1/agents/agt_nope', t.admin)).status).toBe(400);
    expect((await t.api.get('/v1/agents/agt_00000000000000000000000000', t.admin)).status).toBe(404);
  });
});
