import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import { type Ctx as AnyCtx, type Principal, userIdOf } from '../../platform/context.js';
import type { Db, Trx } from '../../platform/db/database.js';
import { badRequest, conflict, forbidden, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { decodeCursor, toPage } from '../../platform/pagination.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AuditService } from '../audit/service.js';
import type { OrgService } from '../orgs/service.js';
import { createAgentCache, recordOf } from './cache.js';
import { currentVersions, nextVersion, withDefinition } from './definitions.js';
import { agentsRepo as repo } from './repo.js';
import type { AgentFilters, CreateAgentInput, UpdateAgentInput } from './schema.js';
import { settingChanges, uniqueSorted } from './settings.js';
import { createVersionQueries } from './versions.js';

interface Deps {
  db: Db;
  store: EphemeralStore;
  clock: Clock;
  log: Logger;
  audit: AuditService;
  orgs: OrgService;
}

type Ctx = AnyCtx<Principal>;

const UNIQUE_VIOLATION = '23505';
const nameTaken = (name: string) => conflict('name_taken', `An agent named ${name} already exists`);

/** Agents: the registry of agent identities in an org, their settings and definitions. */
export function createAgentService(deps: Deps) {
  const { db, audit, orgs, clock } = deps;
  const cache = createAgentCache({
    ...deps,
    load: (orgId, agentId) =>
      db.tenant(orgId, async (trx) => {
        const agent = await repo.get(trx, orgId, agentId);
        return agent ? recordOf(agent) : null;
      }),
  });

  /** Audits an action on an agent (or, for a reload, on the org) by the signed-in user. */
  const record = (trx: Trx, ctx: Ctx, targetId: string, action: string, details?: Record<string, unknown>) =>
    audit.recordBy(
      trx,
      ctx,
      action,
      { type: targetId.startsWith('org_') ? 'org' : 'agent', id: targetId },
      details,
    );

  async function assertOwner(trx: Trx, orgId: string, userId: string) {
    if (!(await orgs.isMember(trx, orgId, userId))) {
      throw badRequest('owner_not_member', 'The owner must be a member of this organization', [
        { field: 'body.owner', message: 'is not a member of this organization' },
      ]);
    }
  }

  /**
   * An agent managing agents grants no scope it does not hold itself (unless it holds
   * gatehouse:admin): a narrow management token must not mint a broader identity.
   */
  function assertCanGrant(ctx: Ctx, scopes: readonly string[] | undefined) {
    const p = ctx.principal;
    if (p.type !== 'agent' || !scopes || p.scopes.includes('gatehouse:admin')) return;
    const beyond = scopes.filter((s) => !p.scopes.includes(s));
    if (beyond.length) {
      throw forbidden(
        'scope_escalation',
        `An agent cannot grant scopes it does not hold: ${beyond.join(' ')}`,
      );
    }
  }

  /** Who owns an agent an agent creates without naming an owner: the creating agent's owner. */
  async function defaultOwner(trx: Trx, ctx: Ctx): Promise<string> {
    const p = ctx.principal;
    if (p.type === 'user') return p.userId;
    if (p.type === 'system') {
      throw badRequest('owner_required', 'Name the owner: a user of this organization', [
        { field: 'body.owner', message: 'is required' },
      ]);
    }
    const creator = await repo.get(trx, p.orgId, p.agentId);
    if (!creator) throw notFound('Agent');
    return creator.owner_user_id;
  }

  async function lockedOrThrow(trx: Trx, orgId: string, id: string) {
    const agent = await repo.get(trx, orgId, id, { forUpdate: true });
    if (!agent) throw notFound('Agent');
    return agent;
  }

  return {
    /** A new agent is in no cache (misses are not cached), so there is nothing to announce. */
    create: (ctx: Ctx, input: CreateAgentInput) => {
      const orgId = ctx.principal.orgId;
      return db.tenant(orgId, async (trx) => {
        assertCanGrant(ctx, input.allowed_scopes);
        if (await repo.nameInUse(trx, orgId, input.name)) throw nameTaken(input.name);
        if (input.owner) await assertOwner(trx, orgId, input.owner);
        let agent = await repo
          .insert(trx, {
            id: newId('agt', clock.now().getTime()),
            org_id: orgId,
            name: input.name,
            display_name: input.display_name ?? input.name,
            description: input.description ?? '',
            owner_user_id: input.owner ?? (await defaultOwner(trx, ctx)),
            allowed_scopes: uniqueSorted(input.allowed_scopes ?? []),
            ...(input.token_ttl_seconds ? { token_ttl_seconds: input.token_ttl_seconds } : {}),
            metadata: JSON.stringify(input.metadata ?? {}),
            current_version_id: null,
          })
          // Two creates racing past the check: the unique index decides, with the same answer.
          .catch((err: unknown) => {
            throw (err as { code?: string }).code === UNIQUE_VIOLATION ? nameTaken(input.name) : err;
          });
        await record(trx, ctx, agent.id, 'agent.created', { name: agent.name, owner: agent.owner_user_id });
        if (input.definition) {
          const v = await nextVersion(trx, agent, input.definition, userIdOf(ctx.principal));
          if (v) {
            agent = await repo.update(trx, orgId, agent.id, { current_version_id: v.id });
            await record(trx, ctx, agent.id, 'agent.version_created', { version: v.version, model: v.model });
          }
        }
        return withDefinition(trx, agent);
      });
    },

    list: (ctx: Ctx, q: AgentFilters & { limit: number; cursor?: string | undefined }) =>
      db.tenant(ctx.principal.orgId, async (trx) => {
        const orgId = ctx.principal.orgId;
        const rows = await repo.list(trx, orgId, { ...q, after: decodeCursor(q.cursor), limit: q.limit + 1 });
        const page = toPage(rows, q.limit, (a) => a.id);
        const versions = await currentVersions(trx, orgId, page.items);
        const items = page.items.map((a) => ({
          ...a,
          definition: versions.get(a.current_version_id ?? '') ?? null,
        }));
        return { items, next_cursor: page.next_cursor };
      }),

    get: (ctx: Ctx, id: string) =>
      db.tenant(ctx.principal.orgId, async (trx) => {
        const agent = await repo.get(trx, ctx.principal.orgId, id);
        if (!agent) throw notFound('Agent');
        return withDefinition(trx, agent);
      }),

    /**
     * Changes settings, status and definition in one transaction. A definition that differs from
     * the current one becomes a new version; an archived agent cannot be changed at all.
     */
    update: async (ctx: Ctx, id: string, input: UpdateAgentInput) => {
      const orgId = ctx.principal.orgId;
      const { changed, agent } = await db.tenant(orgId, async (trx) => {
        const before = await lockedOrThrow(trx, orgId, id);
        if (before.status === 'archived')
          throw conflict('agent_archived', 'An archived agent cannot be changed');
        const { status, definition } = input;
        assertCanGrant(ctx, input.allowed_scopes);
        const { fields, patch } = settingChanges(before, input);
        if (input.owner && fields.includes('owner')) await assertOwner(trx, orgId, input.owner);
        const version = definition
          ? await nextVersion(trx, before, definition, userIdOf(ctx.principal))
          : null;
        const statusChanged = status !== undefined && status !== before.status;
        if (!fields.length && !version && !statusChanged) {
          return { changed: false, agent: await withDefinition(trx, before) };
        }

        const after = await repo.update(trx, orgId, id, {
          ...patch,
          ...(statusChanged ? { status } : {}),
          ...(version ? { current_version_id: version.id } : {}),
          updated_at: clock.now(),
        });
        if (fields.length) await record(trx, ctx, id, 'agent.updated', { fields });
        if (statusChanged)
          await record(trx, ctx, id, 'agent.status_changed', { from: before.status, to: status });
        if (version)
          await record(trx, ctx, id, 'agent.version_created', {
            version: version.version,
            model: version.model,
          });
        return { changed: true, agent: await withDefinition(trx, after) };
      });
      // After the commit: announced earlier, a node could reload the old row and keep it.
      if (changed) await cache.changed({ orgId, agentId: id });
      return agent;
    },

    /** Archives (the soft delete): final, the name is freed, the row stays for audit. Idempotent. */
    archive: async (ctx: Ctx, id: string) => {
      const orgId = ctx.principal.orgId;
      const changed = await db.tenant(orgId, async (trx) => {
        const before = await lockedOrThrow(trx, orgId, id);
        if (before.status === 'archived') return false;
        await repo.update(trx, orgId, id, { status: 'archived', updated_at: clock.now() });
        await record(trx, ctx, id, 'agent.archived', { name: before.name, from: before.status });
        return true;
      });
      if (changed) await cache.changed({ orgId, agentId: id });
    },

    ...createVersionQueries(db),

    /** Drops the org's cached agent records on every node, and audits who asked. */
    reload: async (ctx: Ctx) => {
      const orgId = ctx.principal.orgId;
      await db.tenant(orgId, (trx) => record(trx, ctx, orgId, 'agents.reloaded'));
      await cache.changed({ orgId });
    },

    /** For other modules (tokens): the agent's record, cached; null when not in that org. */
    getRecord: (orgId: string, agentId: string) => cache.get(orgId, agentId),
    /** As getRecord, but null unless the agent is active: suspended and archived agents get nothing. */
    getActive: async (orgId: string, agentId: string) => {
      const found = await cache.get(orgId, agentId);
      return found?.status === 'active' ? found : null;
    },

    /** Subscribes this node to agent changes made on any node; call once at start. */
    start: () => cache.start(),
    cache,
  };
}
export type AgentService = ReturnType<typeof createAgentService>;
