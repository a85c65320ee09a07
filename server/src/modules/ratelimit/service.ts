import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import {
  type AgentPrincipal,
  actorOf,
  type Ctx,
  type Principal,
  type RequestMeta,
  userIdOf,
} from '../../platform/context.js';
import type { Db } from '../../platform/db/database.js';
import { forbidden, notFound } from '../../platform/errors.js';
import { createCoherentCache } from '../../platform/store/coherent-cache.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AgentService } from '../agents/service.js';
import type { AuditGroupCommit } from '../audit/group-commit.js';
import type { AuditService } from '../audit/service.js';
import { createLimiter, type LimitResult, windowAt } from './limiter.js';
import { rateLimitsRepo as repo } from './repo.js';
import type { AgentRateLimitInput, LimitSource, OrgRateLimitsInput } from './schema.js';

interface Deps {
  db: Db;
  store: EphemeralStore;
  clock: Clock;
  log: Logger;
  audit: AuditService;
  /** Refusals are a request's only write: they go through the group commit. */
  auditCommits: Pick<AuditGroupCommit, 'append'>;
  agents: Pick<AgentService, 'getRecord'>;
  /** GATEHOUSE_RATE_LIMIT_AGENT_RPM: the limit of an agent whose org set none. */
  defaultAgentRpm: number;
}

const MINUTE_MS = 60_000;
const ADMIN_SCOPE = 'gatehouse:admin';

/** Whose budget a request spends: the agent presenting the token, the actor of a delegated one. */
export const actorAgentOf = (p: AgentPrincipal) => p.act?.sub ?? p.agentId;

/**
 * Rate limits: the limiter every caller shares, the per-agent request limit (an org default and
 * per-agent overrides, resolved from memory), and the per-integration limit for the gateway.
 */
export function createRateLimitService(deps: Deps) {
  const { db, clock, audit, log } = deps;
  const limiter = createLimiter(deps);

  // Resolution runs on every agent request, so it reads memory: an org's default and each
  // agent's override are cached and dropped on every node when they change. Loaders always
  // answer a value (null fields for "none set"), so an agent without an override is a hit too.
  const orgDefaults = createCoherentCache<{ agentRpm: number | null }>({
    ...deps,
    channel: 'ratelimits.org.changed',
    load: (orgId) =>
      db.tenant(orgId, async (trx) => ({ agentRpm: (await repo.orgDefault(trx, orgId))?.agent_rpm ?? null })),
  });
  const overrides = createCoherentCache<{ rpm: number | null }>({
    ...deps,
    channel: 'ratelimits.agent.changed',
    load: (key) => {
      const [orgId = '', agentId = ''] = key.split('/');
      return db.tenant(orgId, async (trx) => ({
        rpm: (await repo.agentOverride(trx, orgId, agentId))?.rpm ?? null,
      }));
    },
  });

  /** The requests per minute `agentId` may make, and which setting says so. */
  async function agentRpm(orgId: string, agentId: string): Promise<{ rpm: number; source: LimitSource }> {
    const [own, org] = await Promise.all([overrides.get(`${orgId}/${agentId}`), orgDefaults.get(orgId)]);
    if (own?.rpm) return { rpm: own.rpm, source: 'agent' };
    if (org?.agentRpm) return { rpm: org.agentRpm, source: 'org' };
    return { rpm: deps.defaultAgentRpm, source: 'server' };
  }

  /** Changing a limit is an admin's act: an agent needs gatehouse:admin, not just agents.write. */
  function assertMayChange(ctx: Ctx<Principal>) {
    const p = ctx.principal;
    if (p.type === 'agent' && !p.scopes.includes(ADMIN_SCOPE)) {
      throw forbidden('insufficient_scope', `Changing rate limits needs the ${ADMIN_SCOPE} scope`);
    }
  }

  async function liveAgent(orgId: string, agentId: string) {
    const agent = await deps.agents.getRecord(orgId, agentId);
    if (!agent || agent.status === 'archived') throw notFound('Agent');
    return agent;
  }

  /**
   * Audits a refusal once per actor and window: the first 429 says the agent hit its limit;
   * recording every one would let a flooding agent flood the audit log too.
   */
  async function recordExceeded(p: AgentPrincipal, meta: RequestMeta, result: LimitResult) {
    const actor = actorAgentOf(p);
    const window = windowAt(clock.now().getTime(), MINUTE_MS).index;
    const first = await deps.store.setIfAbsent(
      `rl:{agent:${p.orgId}:${actor}}:audited:${window}`,
      '1',
      2 * MINUTE_MS,
    );
    if (!first) return;
    try {
      await deps.auditCommits.append({
        orgId: p.orgId,
        actor: actorOf(p),
        action: 'rate_limit.exceeded',
        target: { type: 'agent', id: actor },
        outcome: 'failure',
        meta,
        details: {
          limit: result.limit,
          window_seconds: result.windowSeconds,
          retry_after_seconds: result.retryAfterSeconds,
          // The agent the delegated token was issued for; the budget spent was the actor's.
          ...(p.act ? { subject: p.agentId } : {}),
        },
      });
    } catch (err) {
      // The refusal stands without its record; the log says why it is missing.
      log.error({ err: (err as Error).message, agent: actor }, 'rate_limit.exceeded not recorded');
    }
  }

  async function orgSettings(ctx: Ctx<Principal>) {
    const orgId = ctx.principal.orgId;
    const row = await db.tenant(orgId, (trx) => repo.orgDefault(trx, orgId));
    return {
      agent_rpm: row?.agent_rpm ?? null,
      server_default_agent_rpm: deps.defaultAgentRpm,
      effective_agent_rpm: row?.agent_rpm ?? deps.defaultAgentRpm,
      updated_at: row?.updated_at.toISOString() ?? null,
    };
  }

  async function agentSetting(ctx: Ctx<Principal>, agentId: string) {
    const orgId = ctx.principal.orgId;
    await liveAgent(orgId, agentId);
    const row = await db.tenant(orgId, (trx) => repo.agentOverride(trx, orgId, agentId));
    const effective = await agentRpm(orgId, agentId);
    return {
      agent_id: agentId,
      rate_limit_rpm: row?.rpm ?? null,
      effective_rpm: effective.rpm,
      source: effective.source,
      updated_at: row?.updated_at.toISOString() ?? null,
    };
  }

  return {
    limiter,
    agentRpm,

    /**
     * Counts one request of an agent token against its actor's per-minute limit. Refusals are
     * audited (once per window) before the result is returned.
     */
    async consumeAgent(p: AgentPrincipal, meta: RequestMeta): Promise<LimitResult> {
      const actor = actorAgentOf(p);
      const { rpm } = await agentRpm(p.orgId, actor);
      const result = await limiter.consume(`agent:${p.orgId}:${actor}`, { limit: rpm, windowMs: MINUTE_MS });
      if (!result.allowed) await recordExceeded(p, meta, result);
      return result;
    },

    /**
     * The gateway's per-integration upstream limit: `rpm` calls per minute to one integration
     * of one org, shared by every agent and node. The caller writes the headers and refuses.
     */
    orgSettings,
    agentSetting,

    consumeIntegration: (orgId: string, integrationId: string, rpm: number): Promise<LimitResult> =>
      limiter.consume(`integration:${orgId}:${integrationId}`, { limit: rpm, windowMs: MINUTE_MS }),

    async updateOrgSettings(ctx: Ctx<Principal>, input: OrgRateLimitsInput) {
      assertMayChange(ctx);
      const orgId = ctx.principal.orgId;
      await db.tenant(orgId, async (trx) => {
        const before = await repo.orgDefault(trx, orgId);
        await repo.saveOrgDefault(trx, {
          org_id: orgId,
          agent_rpm: input.agent_rpm,
          updated_by: userIdOf(ctx.principal),
          updated_at: clock.now(),
        });
        await audit.recordBy(
          trx,
          ctx,
          'rate_limit.default_updated',
          { type: 'org', id: orgId },
          {
            agent_rpm: input.agent_rpm,
            from: before?.agent_rpm ?? null,
          },
        );
      });
      await orgDefaults.changed([orgId]);
      return orgSettings(ctx);
    },

    async updateAgentSetting(ctx: Ctx<Principal>, agentId: string, input: AgentRateLimitInput) {
      assertMayChange(ctx);
      const orgId = ctx.principal.orgId;
      await liveAgent(orgId, agentId);
      await db.tenant(orgId, async (trx) => {
        const before = await repo.agentOverride(trx, orgId, agentId, { forUpdate: true });
        if (input.rate_limit_rpm === null) await repo.deleteAgentOverride(trx, orgId, agentId);
        else {
          await repo.saveAgentOverride(trx, {
            agent_id: agentId,
            org_id: orgId,
            rpm: input.rate_limit_rpm,
            updated_by: userIdOf(ctx.principal),
            updated_at: clock.now(),
          });
        }
        await audit.recordBy(
          trx,
          ctx,
          'rate_limit.agent_updated',
          { type: 'agent', id: agentId },
          {
            rate_limit_rpm: input.rate_limit_rpm,
            from: before?.rpm ?? null,
          },
        );
      });
      await overrides.changed([`${orgId}/${agentId}`]);
      return agentSetting(ctx, agentId);
    },

    /** Subscribes this node to limit changes made on any node; call once at start. */
    async start() {
      await orgDefaults.start();
      await overrides.start();
    },

    async stop() {
      await orgDefaults.stop();
      await overrides.stop();
    },
  };
}
export type RateLimitService = ReturnType<typeof createRateLimitService>;
