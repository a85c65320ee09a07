import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { ActClaim, RequestMeta } from '../../platform/context.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AgentService } from '../agents/service.js';
import type { AuditGroupCommit } from '../audit/group-commit.js';
import { ACTIONS, isAction } from './catalogue.js';
import { type CedarContext, decide, type Entity } from './cedar.js';
import type { ActivePolicies, PolicyService } from './policies.js';
import type { SkillService } from './skills.js';

/** Who asks: an agent, by its token (then its jti keys the cache) or by id (the decision API). */
export interface AuthzPrincipal {
  orgId: string;
  /** The subject whose authority is used: the token's sub. */
  agentId: string;
  tokenId?: string;
  scopes?: readonly string[];
  /** The delegation chain when an actor acts for the subject (RFC 8693 `act`). */
  act?: ActClaim;
}

export interface AuthzResource {
  type: string;
  id: string;
  name?: string;
  tags?: string[];
}

export interface AuthzContext {
  ip?: string | null;
  method?: string;
  path?: string;
}

export interface Decision {
  allowed: boolean;
  action: string;
  capability: string | null;
  /** Why, as stable reason codes with a detail after the colon, e.g. `missing_capability:data_write`. */
  reasons: string[];
  /** The ids of the policies that decided (permits that allowed, forbids that denied). */
  policies: string[];
  /** The policy set version that decided; 0 is the built-in default, null when Cedar was not reached. */
  policy_version: number | null;
  cached: boolean;
}

interface Deps {
  clock: Clock;
  store: EphemeralStore;
  log: Logger;
  agents: Pick<AgentService, 'getRecord'>;
  skills: Pick<SkillService, 'profile'>;
  policies: Pick<PolicyService, 'current'>;
  auditCommits: Pick<AuditGroupCommit, 'append'>;
  /** How long a decision is reused for the same token, action, resource and context. 0: never. */
  cacheTtlMs: number;
  maxEntries?: number;
}

export interface AuthorizeOptions {
  /** Record a denial in the audit log (default true). */
  audit?: boolean;
  /** Reuse and keep decisions (default true). */
  cache?: boolean;
  /** Decide with this policy set instead of the org's (simulation of a draft). */
  policies?: ActivePolicies;
  meta?: RequestMeta;
}

const CHANNEL = 'authz.changed';
const ipPattern = /^[0-9a-fA-F.:/]+$/;

/**
 * Every word a policy set's text contains, so a decision can leave out the attributes no policy
 * names: moving them into Cedar's WASM is most of a decision's cost. A superset by design (a
 * word in a comment or a string keeps an attribute too): an attribute a policy reads is never
 * missing, which matters because Cedar skips a policy whose evaluation errors, forbids included.
 */
const wordsOf = new WeakMap<ActivePolicies, ReadonlySet<string>>();
function namedIn(policies: ActivePolicies): ReadonlySet<string> {
  let words = wordsOf.get(policies);
  if (!words) {
    words = new Set(policies.text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
    wordsOf.set(policies, words);
  }
  return words;
}

/** The attributes of `attrs` whose names the policies use. */
function onlyNamed<T extends Record<string, unknown>>(attrs: T, words: ReadonlySet<string>): T {
  const out: Record<string, unknown> = {};
  for (const key in attrs) if (words.has(key)) out[key] = attrs[key];
  return out as T;
}

function actorsOf(act: ActClaim | undefined): string[] {
  const out: string[] = [];
  for (let a = act; a; a = a.act) out.push(a.sub);
  return out;
}

/**
 * The one decision function: every route, the gateway, the hub and the external decision API
 * ask it. An agent may do an action when it holds the action's capability as a live skill AND
 * the org's Cedar policies permit it (the default set permits whatever skills allow). Decisions
 * are cached briefly per token, action, resource and context, and dropped on every node when
 * an org's policies or skills change.
 */
export function createAuthorizer(deps: Deps) {
  const { clock } = deps;
  const maxEntries = deps.maxEntries ?? 50_000;
  const cache = new Map<string, { decision: Decision; expiresAt: number; generation: number }>();
  // Bumped per org by any change; an entry made under an older generation is stale.
  const generations = new Map<string, number>();
  let unsubscribe: (() => Promise<void>) | undefined;
  const generationOf = (orgId: string) => generations.get(orgId) ?? 0;
  const bump = (orgId: string) => generations.set(orgId, generationOf(orgId) + 1);

  function cedarContext(p: AuthzPrincipal, ctx: AuthzContext, now: Date): CedarContext {
    const actors = actorsOf(p.act);
    return {
      now: Math.floor(now.getTime() / 1000),
      hour: now.getUTCHours(),
      weekday: now.getUTCDay(),
      delegation_depth: actors.length,
      actors,
      scopes: [...(p.scopes ?? [])],
      ...(ctx.ip && ipPattern.test(ctx.ip) ? { ip: { __extn: { fn: 'ip', arg: ctx.ip } } } : {}),
      ...(ctx.method ? { method: ctx.method.toUpperCase() } : {}),
      ...(ctx.path ? { path: ctx.path } : {}),
    };
  }

  async function evaluate(
    p: AuthzPrincipal,
    action: string,
    resource: AuthzResource,
    ctx: AuthzContext,
    forced: ActivePolicies | undefined,
  ): Promise<Decision> {
    const deny = (reason: string, capability: string | null = null): Decision => ({
      allowed: false,
      action,
      capability,
      reasons: [reason],
      policies: [],
      policy_version: null,
      cached: false,
    });
    if (!isAction(action)) return deny(`unknown_action:${action}`);
    const spec = ACTIONS[action];
    if (resource.type !== spec.resource)
      return deny(`resource_type_mismatch:${spec.resource}`, spec.capability);
    const agent = await deps.agents.getRecord(p.orgId, p.agentId);
    if (!agent) return deny('unknown_agent', spec.capability);
    if (agent.status !== 'active') return deny(`agent_${agent.status}`, spec.capability);
    const now = clock.now();
    const profile = await deps.skills.profile(p.orgId, p.agentId);
    const live = profile.skills
      .filter((s) => s.expiresAt === null || s.expiresAt > now.getTime())
      .map((s) => s.capability);
    if (!live.includes(spec.capability))
      return deny(`missing_capability:${spec.capability}`, spec.capability);

    const policies = forced ?? (await deps.policies.current(p.orgId));
    const words = namedIn(policies);
    const entities: Entity[] = [
      {
        uid: { type: 'Agent', id: agent.id },
        attrs: onlyNamed(
          { name: agent.name, skills: live, tags: profile.tags, trust_score: profile.trustScore },
          words,
        ),
        parents: [],
      },
    ];
    // An Agent resource that is the principal itself is already described above.
    if (!(resource.type === 'Agent' && resource.id === agent.id)) {
      entities.push({
        uid: { type: resource.type, id: resource.id },
        attrs: onlyNamed(
          {
            ...(resource.name === undefined ? {} : { name: resource.name }),
            ...(resource.tags === undefined ? {} : { tags: resource.tags }),
          },
          words,
        ),
        parents: [],
      });
    }
    const answer = decide(policies.setId, {
      principal: { type: 'Agent', id: agent.id },
      action,
      resource: { type: resource.type, id: resource.id },
      context: onlyNamed(cedarContext(p, ctx, now), words),
      entities,
    });
    const reasons = answer.allowed
      ? answer.policies.map((id) => `permitted_by:${id}`)
      : answer.policies.length
        ? answer.policies.map((id) => `forbidden_by:${id}`)
        : ['no_permit'];
    return {
      allowed: answer.allowed,
      action,
      capability: spec.capability,
      reasons: [...reasons, ...answer.errors.map((e) => `policy_error:${e}`)],
      policies: answer.policies,
      policy_version: policies.version,
      cached: false,
    };
  }

  async function recordDenial(p: AuthzPrincipal, resource: AuthzResource, d: Decision, meta?: RequestMeta) {
    const actors = actorsOf(p.act);
    await deps.auditCommits.append({
      orgId: p.orgId,
      // Keyed per actor: the agent that made the call, with the subject it acted for.
      actor: p.act
        ? { type: 'agent', id: actors[0] ?? p.agentId, chain: { sub: p.agentId, act: p.act } }
        : { type: 'agent', id: p.agentId },
      action: 'authz.denied',
      target: { type: resource.type.toLowerCase(), id: resource.id },
      outcome: 'failure',
      details: {
        action: d.action,
        capability: d.capability,
        reasons: d.reasons,
        policies: d.policies,
        policy_version: d.policy_version,
      },
      ...(meta ? { meta } : {}),
    });
  }

  return {
    async authorize(
      principal: AuthzPrincipal,
      action: string,
      resource: AuthzResource,
      context: AuthzContext = {},
      options: AuthorizeOptions = {},
    ): Promise<Decision> {
      const useCache = options.cache !== false && !options.policies && deps.cacheTtlMs > 0;
      const key = useCache
        ? JSON.stringify([principal.orgId, principal.tokenId ?? principal.agentId, action, resource, context])
        : '';
      const generation = generationOf(principal.orgId);
      let decision: Decision | undefined;
      if (useCache) {
        const hit = cache.get(key);
        if (hit && hit.expiresAt > clock.now().getTime() && hit.generation === generation) {
          decision = { ...hit.decision, cached: true };
        }
      }
      if (!decision) {
        decision = await evaluate(principal, action, resource, context, options.policies);
        if (useCache && generationOf(principal.orgId) === generation) {
          cache.delete(key);
          cache.set(key, { decision, expiresAt: clock.now().getTime() + deps.cacheTtlMs, generation });
          if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
        }
      }
      if (!decision.allowed && options.audit !== false)
        await recordDenial(principal, resource, decision, options.meta);
      return decision;
    },

    /** Drops an org's decisions here and on every node (policies, skills or attributes changed). */
    async changed(orgId: string): Promise<void> {
      bump(orgId);
      try {
        await deps.store.publish(CHANNEL, orgId);
      } catch (err) {
        deps.log.error({ err: (err as Error).message }, 'authz change not published; peers catch up by TTL');
      }
    },

    async start(): Promise<void> {
      unsubscribe ??= await deps.store.subscribe(CHANNEL, (orgId) => bump(orgId));
    },

    async stop(): Promise<void> {
      await unsubscribe?.();
      unsubscribe = undefined;
    },

    get cacheSize() {
      return cache.size;
    },
  };
}
export type Authorizer = ReturnType<typeof createAuthorizer>;
