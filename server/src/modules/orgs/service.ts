import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { Ctx, RequestMeta } from '../../platform/context.js';
import type { Db, Trx } from '../../platform/db/database.js';
import type { Role } from '../../platform/db/tables.js';
import { conflict, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { decodeCursor, toPage } from '../../platform/pagination.js';
import { createCoherentCache } from '../../platform/store/coherent-cache.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AuditService } from '../audit/service.js';
import { orgsRepo as repo } from './repo.js';

const USER_ID = /^usr_[0-9a-z]{26}$/;

function slugify(name: string): string {
  const base = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return base || 'org';
}

/** Organizations (tenants) and who belongs to them with which role. */
export function createOrgService(deps: {
  db: Db;
  audit: AuditService;
  clock: Clock;
  store: EphemeralStore;
  log: Logger;
}) {
  const { db, audit, clock } = deps;
  // Membership as token verification needs it (a token acting for a user lives while the user
  // belongs to the org): from memory, dropped on every node when a member is removed.
  const members = createCoherentCache<true>({
    ...deps,
    channel: 'members.changed',
    missTtlMs: 5_000,
    load: async (key) => {
      const [orgId = '', userId = ''] = key.split('/');
      return (await db.tenant(orgId, (trx) =>
        repo.members(trx, orgId).where('u.id', '=', userId).executeTakeFirst(),
      ))
        ? true
        : null;
    },
  });

  async function memberOrThrow(trx: Trx, orgId: string, userId: string) {
    const member = await repo.members(trx, orgId).where('u.id', '=', userId).executeTakeFirst();
    if (!member) throw notFound('User');
    return member;
  }

  /** Refuses to leave an org without an admin. */
  async function assertKeepsAnAdmin(trx: Trx, orgId: string, userId: string) {
    const admins = await repo.lockAdmins(trx, orgId);
    if (admins.length === 1 && admins[0]?.user_id === userId) {
      throw conflict('last_admin', 'An organization needs at least one admin');
    }
  }

  return {
    /** Creates an org with `creatorId` as its first admin. Runs as owner: a new tenant has no org yet. */
    async create(
      input: { name: string; slug?: string },
      creator: { userId: string; meta?: RequestMeta },
      trx?: Trx,
    ) {
      const run = async (t: Trx) => {
        let slug = input.slug ?? slugify(input.name);
        if (await repo.slugTaken(t, slug)) {
          if (input.slug) throw conflict('slug_taken', `The slug ${slug} is taken`);
          slug = `${slug.slice(0, 40)}-${randomBytes(3).toString('hex')}`;
        }
        const org = await repo.insertOrg(t, { id: newId('org'), name: input.name.trim(), slug });
        await repo.insertMembership(t, { org_id: org.id, user_id: creator.userId, role: 'admin' });
        await audit.record(t, {
          orgId: org.id,
          actor: { type: 'user', id: creator.userId },
          action: 'org.created',
          target: { type: 'org', id: org.id },
          details: { name: org.name, slug: org.slug },
          ...(creator.meta ? { meta: creator.meta } : {}),
        });
        return org;
      };
      return trx ? run(trx) : db.transaction(run);
    },

    get: (orgId: string) =>
      db.tenant(
        orgId,
        async (trx) => (await repo.getOrg(trx, orgId)) ?? Promise.reject(notFound('Organization')),
      ),

    update: (ctx: Ctx, patch: { name: string }) =>
      db.tenant(ctx.principal.orgId, async (trx) => {
        const org = await repo.updateOrg(trx, ctx.principal.orgId, { name: patch.name.trim() });
        if (!org) throw notFound('Organization');
        await audit.record(trx, {
          orgId: org.id,
          actor: { type: 'user', id: ctx.principal.userId },
          action: 'org.updated',
          target: { type: 'org', id: org.id },
          details: patch,
          meta: ctx.meta,
        });
        return org;
      }),

    /** The orgs a user belongs to, with their role in each (the org switcher). */
    membershipsOf: (userId: string) => repo.membershipsOfUser(db.system, userId),

    addMember: (trx: Trx, m: { orgId: string; userId: string; role: Role }) =>
      repo.insertMembership(trx, { org_id: m.orgId, user_id: m.userId, role: m.role }),

    isMember: async (trx: Trx, orgId: string, userId: string) =>
      !!(await repo.members(trx, orgId).where('u.id', '=', userId).executeTakeFirst()),

    listMembers: (ctx: Ctx, q: { limit: number; cursor?: string; role?: Role }) =>
      db.tenant(ctx.principal.orgId, async (trx) => {
        let query = repo
          .members(trx, ctx.principal.orgId)
          .orderBy('u.id')
          .limit(q.limit + 1);
        const after = decodeCursor(q.cursor);
        if (after) query = query.where('u.id', '>', after);
        if (q.role) query = query.where('m.role', '=', q.role);
        return toPage(await query.execute(), q.limit, (m) => m.id);
      }),

    getMember: (ctx: Ctx, userId: string) =>
      db.tenant(ctx.principal.orgId, (trx) => memberOrThrow(trx, ctx.principal.orgId, userId)),

    changeRole: (ctx: Ctx, userId: string, role: Role) =>
      db.tenant(ctx.principal.orgId, async (trx) => {
        const orgId = ctx.principal.orgId;
        const before = await memberOrThrow(trx, orgId, userId);
        if (before.role === role) return before;
        if (before.role === 'admin') await assertKeepsAnAdmin(trx, orgId, userId);
        await repo.setRole(trx, orgId, userId, role);
        await audit.record(trx, {
          orgId,
          actor: { type: 'user', id: ctx.principal.userId },
          action: 'member.role_changed',
          target: { type: 'user', id: userId },
          details: { from: before.role, to: role },
          meta: ctx.meta,
        });
        return { ...before, role };
      }),

    /** Whether the user belongs to the org now, answered from memory (token verification). */
    isCurrentMember: async (orgId: string, userId: string) =>
      USER_ID.test(userId) && (await members.get(`${orgId}/${userId}`)) === true,

    /** Subscribes this node to membership removals made on any node; call once at start. */
    start: () => members.start(),

    /** Removes a member from the org and ends their sessions (and tokens acting for them) at once. */
    removeMember: async (ctx: Ctx, userId: string) => {
      await db.tenant(ctx.principal.orgId, async (trx) => {
        const orgId = ctx.principal.orgId;
        const before = await memberOrThrow(trx, orgId, userId);
        if (before.role === 'admin') await assertKeepsAnAdmin(trx, orgId, userId);
        await repo.deleteMembership(trx, orgId, userId);
        await repo.revokeSessionsInOrg(trx, orgId, userId, clock.now());
        await audit.record(trx, {
          orgId,
          actor: { type: 'user', id: ctx.principal.userId },
          action: 'member.removed',
          target: { type: 'user', id: userId },
          details: { role: before.role },
          meta: ctx.meta,
        });
      });
      await members.changed([`${ctx.principal.orgId}/${userId}`]);
    },
  };
}
export type OrgService = ReturnType<typeof createOrgService>;
