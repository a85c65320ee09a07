import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import { actorOf, type Ctx, type Principal, userIdOf } from '../../platform/context.js';
import type { Db, Trx } from '../../platform/db/database.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { decodeCursor, toPage } from '../../platform/pagination.js';
import { createCoherentCache } from '../../platform/store/coherent-cache.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AgentService } from '../agents/service.js';
import type { AuditService } from '../audit/service.js';
import type { OrgService } from '../orgs/service.js';
import { type DelegationFilters, delegationsRepo as repo } from './repo.js';
import { type CreateDelegationInput, presentDelegation } from './schema.js';
import type { Delegation, SubjectType } from './tables.js';

interface Deps {
  db: Db;
  store: EphemeralStore;
  log: Logger;
  clock: Clock;
  audit: AuditService;
  agents: Pick<AgentService, 'getRecord'>;
  orgs: Pick<OrgService, 'isMember'>;
}

const ID = /^dlg_[0-9a-z]{26}$/;

const invalid = (field: string, message: string) =>
  badRequest('invalid_delegation', `The ${field} ${message}`, [{ field: `body.${field}`, message }]);

/**
 * Delegation grants: which actor agent may act for which subject (an agent or a user) through
 * token exchange, how deep the act chain may grow, with which scopes at most, and until when.
 */
export function createDelegationService(deps: Deps) {
  const { db, clock, audit } = deps;
  // Every delegated token names its grants, and verification asks whether they still stand:
  // from memory, dropped on every node when a grant is revoked.
  const grants = createCoherentCache<{ revoked: boolean; expiresAt: number }>({
    ...deps,
    channel: 'delegations.changed',
    missTtlMs: 5_000,
    load: async (key) => {
      const [orgId = '', id = ''] = key.split('/');
      const d = await db.tenant(orgId, (trx) => repo.get(trx, orgId, id));
      return d
        ? { revoked: d.revoked_at !== null, expiresAt: d.expires_at?.getTime() ?? Number.POSITIVE_INFINITY }
        : null;
    },
  });

  const record = (trx: Trx, ctx: Ctx<Principal>, d: Delegation, action: string) =>
    audit.record(trx, {
      orgId: d.org_id,
      actor: actorOf(ctx.principal),
      action,
      target: { type: 'delegation', id: d.id },
      details: {
        actor_agent_id: d.actor_agent_id,
        subject: `${d.subject_type}:${d.subject_id}`,
        scopes: d.scopes,
        max_depth: d.max_depth,
      },
      meta: ctx.meta,
    });

  return {
    /** The API shape of a grant, with its status as of now. */
    present: (d: Delegation) => presentDelegation(d, clock.now()),

    async create(ctx: Ctx<Principal>, input: CreateDelegationInput) {
      const orgId = ctx.principal.orgId;
      const actor = await deps.agents.getRecord(orgId, input.actor_agent_id);
      if (!actor || actor.status === 'archived')
        throw invalid('actor_agent_id', 'is not an agent of this organization');
      if (input.subject.id === input.actor_agent_id) throw invalid('subject', 'cannot be the actor itself');
      const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
      if (expiresAt && expiresAt <= clock.now()) throw invalid('expires_at', 'must be in the future');
      const subject = input.subject;
      if (subject.type === 'agent') {
        const s = await deps.agents.getRecord(orgId, subject.id);
        if (!s || s.status === 'archived') throw invalid('subject', 'is not an agent of this organization');
      }
      return db.tenant(orgId, async (trx) => {
        if (subject.type === 'user' && !(await deps.orgs.isMember(trx, orgId, subject.id))) {
          throw invalid('subject', 'is not a member of this organization');
        }
        const d = await repo.insert(trx, {
          id: newId('dlg'),
          org_id: orgId,
          actor_agent_id: input.actor_agent_id,
          subject_type: subject.type,
          subject_id: subject.id,
          scopes: input.scopes ? [...new Set(input.scopes)].sort() : null,
          max_depth: input.max_depth,
          expires_at: expiresAt,
          created_by: userIdOf(ctx.principal),
          created_at: clock.now(),
        });
        await record(trx, ctx, d, 'delegation.granted');
        return d;
      });
    },

    list: (ctx: Ctx<Principal>, q: DelegationFilters & { limit: number; cursor?: string | undefined }) =>
      db.tenant(ctx.principal.orgId, async (trx) => {
        const rows = await repo.list(
          trx,
          ctx.principal.orgId,
          q,
          { after: decodeCursor(q.cursor), limit: q.limit + 1 },
          clock.now(),
        );
        return toPage(rows, q.limit, (d) => d.id);
      }),

    get: (ctx: Ctx<Principal>, id: string) =>
      db.tenant(ctx.principal.orgId, async (trx) => {
        const d = await repo.get(trx, ctx.principal.orgId, id);
        if (!d) throw notFound('Delegation');
        return d;
      }),

    /** Stops new exchanges under the grant, and every token issued under it, at once. */
    async revoke(ctx: Ctx<Principal>, id: string) {
      const orgId = ctx.principal.orgId;
      await db.tenant(orgId, async (trx) => {
        const d = await repo.get(trx, orgId, id, { forUpdate: true });
        if (!d) throw notFound('Delegation');
        if (d.revoked_at) throw conflict('delegation_revoked', 'The delegation is already revoked');
        const after = await repo.revoke(trx, d.org_id, id, clock.now());
        await record(trx, ctx, after, 'delegation.revoked');
      });
      await grants.changed([`${orgId}/${id}`]);
    },

    /** Whether every grant a delegated token was issued under still stands (not revoked, not expired). */
    async allActive(orgId: string, ids: readonly string[]): Promise<boolean> {
      const now = clock.now().getTime();
      const found = await Promise.all(ids.map((id) => (ID.test(id) ? grants.get(`${orgId}/${id}`) : null)));
      return found.every((g) => g !== null && !g.revoked && g.expiresAt > now);
    },

    /** Subscribes this node to grant revocations made on any node; call once at start. */
    start: () => grants.start(),

    /** The live grant letting `actorAgentId` act for the subject, if any (token exchange). */
    async findActive(orgId: string, actorAgentId: string, subjectType: SubjectType, subjectId: string) {
      const found = await db.tenant(orgId, (trx) =>
        repo.active(trx, orgId, actorAgentId, subjectType, subjectId, clock.now()),
      );
      return found[0];
    },
  };
}
export type DelegationService = ReturnType<typeof createDelegationService>;
