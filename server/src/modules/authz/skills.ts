import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import { actorOf, type Ctx, type Principal, userIdOf } from '../../platform/context.js';
import type { Db, Trx } from '../../platform/db/database.js';
import { badRequest, notFound } from '../../platform/errors.js';
import { createCoherentCache } from '../../platform/store/coherent-cache.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AgentService } from '../agents/service.js';
import type { AuditService } from '../audit/service.js';
import type { Capability } from './catalogue.js';
import type { AgentSkill } from './tables.js';

interface Deps {
  db: Db;
  store: EphemeralStore;
  log: Logger;
  clock: Clock;
  audit: AuditService;
  agents: Pick<AgentService, 'getRecord'>;
  /** Called after any change that can alter a decision in `orgId`. */
  onChange(orgId: string): Promise<void>;
}

/** What a decision needs to know of an agent besides its record, cached on every node. */
export interface AgentProfile {
  skills: { capability: string; expiresAt: number | null }[];
  tags: string[];
  trustScore: number;
}

export const DEFAULT_TRUST_SCORE = 50;

export interface GrantInput {
  capability: Capability;
  note?: string | undefined;
  expires_at?: string | undefined;
}

export interface AttributesInput {
  tags: string[];
  trust_score: number;
}

/** Skills (capabilities granted to agents) and the attributes policies read: tags and trust score. */
export function createSkillService(deps: Deps) {
  const { db, clock, audit } = deps;
  const profiles = createCoherentCache<AgentProfile>({
    ...deps,
    channel: 'authz.profiles.changed',
    load: async (key) => {
      const [orgId = '', agentId = ''] = key.split('/');
      return db.tenant(orgId, async (trx) => {
        const skills = await trx
          .selectFrom('agent_skills')
          .select(['capability', 'expires_at'])
          .where('org_id', '=', orgId)
          .where('agent_id', '=', agentId)
          .execute();
        const attrs = await trx
          .selectFrom('agent_attributes')
          .select(['tags', 'trust_score'])
          .where('org_id', '=', orgId)
          .where('agent_id', '=', agentId)
          .executeTakeFirst();
        return {
          skills: skills.map((s) => ({
            capability: s.capability,
            expiresAt: s.expires_at?.getTime() ?? null,
          })),
          tags: attrs?.tags ?? [],
          trustScore: attrs?.trust_score ?? DEFAULT_TRUST_SCORE,
        };
      });
    },
  });

  async function agentOf(orgId: string, agentId: string) {
    const agent = await deps.agents.getRecord(orgId, agentId);
    if (!agent) throw notFound('Agent');
    return agent;
  }

  async function changed(orgId: string, agentId: string) {
    await profiles.changed([`${orgId}/${agentId}`]);
    await deps.onChange(orgId);
  }

  const record = (
    trx: Trx,
    ctx: Ctx<Principal>,
    agentId: string,
    action: string,
    details: Record<string, unknown>,
  ) => audit.recordBy(trx, ctx, action, { type: 'agent', id: agentId }, details);

  /** The agent's profile as decisions see it (from memory while fresh). */
  const profile = async (orgId: string, agentId: string): Promise<AgentProfile> =>
    (await profiles.get(`${orgId}/${agentId}`)) ?? { skills: [], tags: [], trustScore: DEFAULT_TRUST_SCORE };

  return {
    profile,

    /** The API shape of a skill, live or expired as of now. */
    present: (s: AgentSkill) => ({
      capability: s.capability,
      note: s.note,
      granted_by: s.granted_by,
      granted_at: s.granted_at.toISOString(),
      expires_at: s.expires_at?.toISOString() ?? null,
      live: s.expires_at === null || s.expires_at > clock.now(),
    }),

    async list(ctx: Ctx<Principal>, agentId: string): Promise<AgentSkill[]> {
      const orgId = ctx.principal.orgId;
      await agentOf(orgId, agentId);
      return db.tenant(orgId, (trx) =>
        trx
          .selectFrom('agent_skills')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('agent_id', '=', agentId)
          .orderBy('capability')
          .execute(),
      );
    },

    /** Grants (or re-grants, replacing note and expiry) a capability to an agent. */
    async grant(ctx: Ctx<Principal>, agentId: string, input: GrantInput): Promise<AgentSkill> {
      const orgId = ctx.principal.orgId;
      const agent = await agentOf(orgId, agentId);
      if (agent.status === 'archived')
        throw badRequest('agent_archived', 'An archived agent cannot be granted skills');
      const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
      if (expiresAt && expiresAt <= clock.now()) {
        throw badRequest('invalid_skill', 'The expires_at must be in the future', [
          { field: 'body.expires_at', message: 'must be in the future' },
        ]);
      }
      const row = {
        org_id: orgId,
        agent_id: agentId,
        capability: input.capability,
        note: input.note ?? '',
        granted_by: ctx.principal.type === 'user' ? userIdOf(ctx.principal) : actorOf(ctx.principal).id,
        granted_at: clock.now(),
        expires_at: expiresAt,
      };
      const skill = await db.tenant(orgId, async (trx) => {
        const saved = await trx
          .insertInto('agent_skills')
          .values(row)
          .onConflict((oc) =>
            oc.columns(['org_id', 'agent_id', 'capability']).doUpdateSet({
              note: row.note,
              granted_by: row.granted_by,
              granted_at: row.granted_at,
              expires_at: row.expires_at,
            }),
          )
          .returningAll()
          .executeTakeFirstOrThrow();
        await record(trx, ctx, agentId, 'skill.granted', {
          capability: input.capability,
          expires_at: expiresAt?.toISOString() ?? null,
          note: row.note,
        });
        return saved;
      });
      await changed(orgId, agentId);
      return skill;
    },

    async revoke(ctx: Ctx<Principal>, agentId: string, capability: string): Promise<void> {
      const orgId = ctx.principal.orgId;
      await agentOf(orgId, agentId);
      await db.tenant(orgId, async (trx) => {
        const gone = await trx
          .deleteFrom('agent_skills')
          .where('org_id', '=', orgId)
          .where('agent_id', '=', agentId)
          .where('capability', '=', capability)
          .executeTakeFirst();
        if (!gone.numDeletedRows) throw notFound('Skill');
        await record(trx, ctx, agentId, 'skill.revoked', { capability });
      });
      await changed(orgId, agentId);
    },

    async attributes(ctx: Ctx<Principal>, agentId: string): Promise<AttributesInput> {
      const orgId = ctx.principal.orgId;
      await agentOf(orgId, agentId);
      const p = await profile(orgId, agentId);
      return { tags: p.tags, trust_score: p.trustScore };
    },

    async setAttributes(
      ctx: Ctx<Principal>,
      agentId: string,
      input: AttributesInput,
    ): Promise<AttributesInput> {
      const orgId = ctx.principal.orgId;
      await agentOf(orgId, agentId);
      const tags = [...new Set(input.tags)].sort();
      await db.tenant(orgId, async (trx) => {
        await trx
          .insertInto('agent_attributes')
          .values({
            org_id: orgId,
            agent_id: agentId,
            tags,
            trust_score: input.trust_score,
            updated_at: clock.now(),
          })
          .onConflict((oc) =>
            oc
              .columns(['org_id', 'agent_id'])
              .doUpdateSet({ tags, trust_score: input.trust_score, updated_at: clock.now() }),
          )
          .execute();
        await record(trx, ctx, agentId, 'agent.attributes_updated', { tags, trust_score: input.trust_score });
      });
      await changed(orgId, agentId);
      return { tags, trust_score: input.trust_score };
    },

    /**
     * Active agents holding `capability` now, most trusted first (then the earliest grant):
     * the first is the best agent for it.
     */
    async holders(ctx: Ctx<Principal>, capability: Capability, limit = 100) {
      const orgId = ctx.principal.orgId;
      return db.tenant(orgId, (trx) =>
        trx
          .selectFrom('agent_skills as s')
          .innerJoin('agents as a', (j) =>
            j.onRef('a.id', '=', 's.agent_id').onRef('a.org_id', '=', 's.org_id'),
          )
          .leftJoin('agent_attributes as t', (j) =>
            j.onRef('t.agent_id', '=', 's.agent_id').onRef('t.org_id', '=', 's.org_id'),
          )
          .select([
            'a.id as agent_id',
            'a.name as name',
            's.granted_at as granted_at',
            's.expires_at as expires_at',
            sql<number>`coalesce(t.trust_score, ${DEFAULT_TRUST_SCORE})`.as('trust_score'),
            sql<string[]>`coalesce(t.tags, '{}')`.as('tags'),
          ])
          .where('s.org_id', '=', orgId)
          .where('s.capability', '=', capability)
          .where('a.status', '=', 'active')
          .where((eb) => eb.or([eb('s.expires_at', 'is', null), eb('s.expires_at', '>', clock.now())]))
          .orderBy('trust_score', 'desc')
          .orderBy('s.granted_at', 'asc')
          .orderBy('a.id')
          .limit(limit)
          .execute(),
      );
    },

    start: () => profiles.start(),
    stop: () => profiles.stop(),
  };
}
export type SkillService = ReturnType<typeof createSkillService>;
