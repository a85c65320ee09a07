import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useAgentsServer } from './agents-fixture.js';

const t = useAgentsServer();

const def = (model: string, tools: string[] = []) => ({ instructions: `Use ${model}.`, model, tools });

async function agentWithVersions(name: string, models: string[]) {
  const { id } = await t.newAgent({ name });
  for (const model of models) {
    const r = await t.api.patch(`/v1/agents/${id}`, { definition: def(model) }, t.admin);
    expect(r.status).toBe(200);
  }
  return id as string;
}

describe('agent definition versions', () => {
  it('numbers each new definition and points the agent at the newest', async () => {
    const id = await agentWithVersions('versioned', ['m1', 'm2', 'm3']);
    const agent = (await t.api.get(`/v1/agents/${id}`, t.admin)).body;
    expect(agent.definition).toMatchObject({ version: 3, model: 'm3', instructions: 'Use m3.' });
    const list = await t.api.get(`/v1/agents/${id}/versions`, t.admin);
    expect(list.body.items.map((v: any) => [v.version, v.model])).toEqual([
      [3, 'm3'],
      [2, 'm2'],
      [1, 'm1'],
    ]);
    expect(list.body.next_cursor).toBeNull();
    const one = await t.api.get(`/v1/agents/${id}/versions/2`, t.admin);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(list.body.items[1]);
    expect((await t.api.get(`/v1/agents/${id}/versions/4`, t.admin)).status).toBe(404);
    expect((await t.api.get(`/v1/agents/${id}/versions/0`, t.admin)).status).toBe(400);
  });

  it('makes no new version for an identical definition, even among other changes', async () => {
    const id = await agentWithVersions('steady', ['same']);
    const again = await t.api.patch(
      `/v1/agents/${id}`,
      { definition: def('same'), description: 'changed' },
      t.admin,
    );
    expect(again.body).toMatchObject({ description: 'changed', definition: { version: 1 } });
    // A duplicate tool name is no difference either; a reordered list is.
    await t.api.patch(`/v1/agents/${id}`, { definition: def('same', ['a', 'b']) }, t.admin);
    const dup = await t.api.patch(`/v1/agents/${id}`, { definition: def('same', ['a', 'b', 'a']) }, t.admin);
    expect(dup.body.definition.version).toBe(2);
    const reordered = await t.api.patch(`/v1/agents/${id}`, { definition: def('same', ['b', 'a']) }, t.admin);
    expect(reordered.body.definition.version).toBe(3);
    const actions = await t.server.runtime.db.system
      .selectFrom('audit_events')
      .select(['action', 'details'])
      .where('target_id', '=', id)
      .where('action', '=', 'agent.version_created')
      .execute();
    expect(actions.map((a) => a.details.version)).toEqual([1, 2, 3]);
  });

  it('pages versions newest first', async () => {
    const id = await agentWithVersions('long-history', ['a', 'b', 'c', 'd', 'e']);
    const first = (await t.api.get(`/v1/agents/${id}/versions?limit=2`, t.admin)).body;
    const second = (await t.api.get(`/v1/agents/${id}/versions?limit=2&cursor=${first.next_cursor}`, t.admin))
      .body;
    const third = (await t.api.get(`/v1/agents/${id}/versions?limit=2&cursor=${second.next_cursor}`, t.admin))
      .body;
    const versions = [first, second, third].flatMap((p) => p.items.map((v: any) => v.version));
    expect(versions).toEqual([5, 4, 3, 2, 1]);
    expect(third.next_cursor).toBeNull();
  });

  it('concurrent definition changes get distinct version numbers', async () => {
    const id = await agentWithVersions('busy', []);
    const results = await Promise.all(
      ['p', 'q', 'r', 's'].map((m) => t.api.patch(`/v1/agents/${id}`, { definition: def(m) }, t.admin)),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const list = (await t.api.get(`/v1/agents/${id}/versions`, t.admin)).body.items;
    expect(list.map((v: any) => v.version)).toEqual([4, 3, 2, 1]);
    expect((await t.api.get(`/v1/agents/${id}`, t.admin)).body.definition.version).toBe(4);
  });

  it('an archived agent keeps its history readable', async () => {
    const id = await agentWithVersions('archived-history', ['x']);
    await t.api.del(`/v1/agents/${id}`, t.admin);
    expect((await t.api.get(`/v1/agents/${id}/versions/1`, t.admin)).body.model).toBe('x');
    const refused = await t.api.patch(`/v1/agents/${id}`, { definition: def('y') }, t.admin);
    expect(refused.body.code).toBe('agent_archived');
  });
});

describe('agent tables in the database', () => {
  const db = () => t.server.runtime.db;

  it('the app role cannot update or delete a version, nor delete an agent', async () => {
    const id = await agentWithVersions('tamper-proof', ['orig']);
    const attempts = [
      sql`update agent_versions set model = 'forged' where agent_id = ${id}`,
      sql`delete from agent_versions where agent_id = ${id}`,
      sql`delete from agents where id = ${id}`,
    ];
    for (const attempt of attempts) {
      await expect(db().tenant(t.orgId, (trx) => attempt.execute(trx))).rejects.toThrow(/permission denied/);
    }
    expect((await t.api.get(`/v1/agents/${id}/versions/1`, t.admin)).body.model).toBe('orig');
  });

  it('row-level security hides agents and versions from other orgs and from no org', async () => {
    await agentWithVersions('rls-visible', ['v']);
    const count = async (orgSetting: string | null) =>
      db().transaction(async (trx) => {
        if (orgSetting) await sql`select set_config('app.org_id', ${orgSetting}, true)`.execute(trx);
        await sql`select set_config('role', 'gatehouse_app', true)`.execute(trx);
        const agents = await trx.selectFrom('agents').select('id').execute();
        const versions = await trx.selectFrom('agent_versions').select('id').execute();
        return agents.length + versions.length;
      });
    expect(await count(t.orgId)).toBeGreaterThan(0);
    expect(await count('org_00000000000000000000000000')).toBe(0);
    expect(await count(null)).toBe(0);
  });
});
