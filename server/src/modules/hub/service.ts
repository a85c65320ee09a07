import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { decodeCursor, toPage } from '../../platform/pagination.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AgentService } from '../agents/service.js';
import type { AuditService } from '../audit/service.js';
import type { Authorizer } from '../authz/authorize.js';
import type { OrgService } from '../orgs/service.js';
import { canManage, createRoomAccess, isOrgAdmin, memberOf, refOf, sameRef } from './access.js';
import type { HubBroadcast, HubCtx, HubRealtime, PrincipalRef, RoomRole, RoomView } from './contract.js';
import { hubErrors as errors } from './errors.js';
import { createMessages } from './messages.js';
import { presentRoom } from './present.js';
import { hubRepo as repo } from './repo.js';
import type { CreateRoomInput, UpdateRoomInput } from './schema.js';

interface Deps {
  db: Db;
  clock: Clock;
  log: Logger;
  store: EphemeralStore;
  audit: AuditService;
  authorizer: Pick<Authorizer, 'authorize'>;
  agents: Pick<AgentService, 'getRecord'>;
  orgs: Pick<OrgService, 'isMember'>;
  /** The largest message body, in UTF-8 bytes (GATEHOUSE_HUB_MAX_MESSAGE_BYTES). */
  maxMessageBytes: number;
}

const UNIQUE_VIOLATION = '23505';

/**
 * The hub (docs/hub.md): rooms and their members here, their messages in messages.ts, and the
 * announcements the socket layer broadcasts. Every change is announced once, after its commit,
 * on the node that made it.
 */
export function createHubService(deps: Deps) {
  const { db, clock, audit } = deps;
  const access = createRoomAccess(deps);
  const { load, readable, readableByAgent } = access;
  const listeners = new Set<(event: HubBroadcast) => void>();

  function announce(event: HubBroadcast) {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        // One failing listener must not cost the others, nor the caller its answer.
        deps.log.error({ err: (err as Error).message, type: event.type }, 'hub broadcast listener failed');
      }
    }
  }

  async function removeMembership(ctx: HubCtx, roomId: string, target: PrincipalRef, self: boolean) {
    const orgId = ctx.principal.orgId;
    await db.tenant(orgId, async (trx) => {
      const { role } = await load(trx, ctx, roomId, { forUpdate: true });
      if (!self && !canManage(ctx, role)) throw errors.notOwner();
      const owners = await repo.lockOwners(trx, orgId, roomId);
      const removed = await repo.removeMember(trx, orgId, roomId, target);
      if (!removed) throw self ? errors.notAMember() : errors.memberNotFound();
      if (removed.role === 'owner' && owners.length === 1) throw errors.lastOwner();
      await audit.recordBy(
        trx,
        ctx,
        'hub.member_removed',
        { type: 'room', id: roomId },
        {
          member: target,
          role: removed.role,
          ...(self ? { left: true } : {}),
        },
      );
    });
    await access.changed(orgId, roomId, target);
    announce({ type: 'member:removed', orgId, roomId, member: target });
  }

  const messages = createMessages({ ...deps, access, announce });

  const realtime: HubRealtime = {
    async roomsToJoin(ctx) {
      const rooms = await db.tenant(ctx.principal.orgId, (trx) =>
        repo.roomsOf(trx, ctx.principal.orgId, memberOf(ctx)),
      );
      return (await readableByAgent(ctx, rooms)).map((r) => ({
        id: r.id,
        slug: r.slug,
        last_seq: Number(r.last_seq),
      }));
    },

    /** Becomes a member of a room the caller may read (a public one, or any for an org admin). */
    async join(ctx, roomId) {
      const orgId = ctx.principal.orgId;
      const { room, role } = await readable(ctx, roomId);
      if (role) return presentRoom(room, role);
      if (room.archived) throw errors.archived();
      const who = memberOf(ctx);
      const added = await db.tenant(orgId, async (trx) => {
        // Archived, deleted or made private since it was read: judged again under the lock.
        const now = await load(trx, ctx, roomId, { forUpdate: true });
        if (now.room.archived) throw errors.archived();
        if (now.role) return { room: now.room, role: now.role, added: false };
        const row = await repo.addMember(trx, {
          room_id: roomId,
          org_id: orgId,
          member_type: who.type,
          member_id: who.id,
          role: 'member',
          added_by: who.id,
          added_at: clock.now(),
        });
        await audit.recordBy(
          trx,
          ctx,
          'hub.member_added',
          { type: 'room', id: roomId },
          {
            member: who,
            role: 'member',
            joined: true,
          },
        );
        return { room: now.room, role: row?.role ?? 'member', added: true };
      });
      if (added.added) {
        await access.changed(orgId, roomId, who);
        announce({ type: 'member:added', orgId, roomId, member: who });
      }
      return presentRoom(added.room, added.role);
    },

    send: messages.send,
    edit: messages.edit,
    remove: messages.remove,
    after: (ctx, roomId, afterSeq, limit) => messages.history(ctx, roomId, { after_seq: afterSeq, limit }),

    onBroadcast(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };

  return {
    ...realtime,

    /** Subscribes to other nodes' room and membership changes; before the node serves. */
    start: () => access.start(),

    history: messages.history,
    search: messages.search,
    storedMessages: messages.storedMessages,

    async createRoom(ctx: HubCtx, input: CreateRoomInput): Promise<RoomView> {
      const orgId = ctx.principal.orgId;
      const who = memberOf(ctx);
      const now = clock.now();
      const room = await db.tenant(orgId, async (trx) => {
        if (await repo.slugTaken(trx, orgId, input.slug)) throw errors.slugTaken(input.slug);
        const row = await repo
          .insertRoom(trx, {
            id: newId('rm', now.getTime()),
            org_id: orgId,
            slug: input.slug,
            name: input.name,
            topic: input.topic ?? '',
            visibility: input.visibility ?? 'public',
            tags: input.tags ?? [],
            created_by_type: who.type,
            created_by_id: who.id,
            archived: false,
            created_at: now,
            updated_at: now,
          })
          .catch((err) => {
            throw (err as { code?: string }).code === UNIQUE_VIOLATION ? errors.slugTaken(input.slug) : err;
          });
        await repo.addMember(trx, {
          room_id: row.id,
          org_id: orgId,
          member_type: who.type,
          member_id: who.id,
          role: 'owner',
          added_by: who.id,
          added_at: now,
        });
        await audit.recordBy(
          trx,
          ctx,
          'hub.room_created',
          { type: 'room', id: row.id },
          {
            slug: row.slug,
            visibility: row.visibility,
            tags: row.tags,
          },
        );
        return row;
      });
      return presentRoom(room, 'owner');
    },

    /** Public rooms and the caller's own (every room for an org admin); for an agent, those it may read. */
    async listRooms(ctx: HubCtx, q: { limit: number; cursor?: string | undefined; mine?: boolean }) {
      const orgId = ctx.principal.orgId;
      const rows = await db.tenant(orgId, (trx) =>
        repo.listRooms(trx, orgId, memberOf(ctx), {
          after: decodeCursor(q.cursor),
          limit: q.limit + 1,
          mine: q.mine ?? false,
          all: isOrgAdmin(ctx),
        }),
      );
      const page = toPage(rows, q.limit, (r) => r.id);
      const items = await readableByAgent(ctx, page.items);
      return { items: items.map((r) => presentRoom(r, r.my_role)), next_cursor: page.next_cursor };
    },

    async getRoom(ctx: HubCtx, roomId: string): Promise<RoomView> {
      const { room, role } = await readable(ctx, roomId);
      return presentRoom(room, role);
    },

    async updateRoom(ctx: HubCtx, roomId: string, input: UpdateRoomInput): Promise<RoomView> {
      const orgId = ctx.principal.orgId;
      const result = await db.tenant(orgId, async (trx) => {
        const { room, role } = await load(trx, ctx, roomId, { forUpdate: true });
        if (!canManage(ctx, role)) throw errors.notOwner();
        const patch: Record<string, unknown> = {};
        for (const field of ['name', 'topic', 'visibility', 'archived'] as const) {
          if (input[field] !== undefined && input[field] !== room[field]) patch[field] = input[field];
        }
        if (input.tags !== undefined && JSON.stringify(input.tags) !== JSON.stringify(room.tags))
          patch.tags = input.tags;
        const fields = Object.keys(patch);
        if (!fields.length) return { room, role, updated: false, archived: false };
        const after = await repo.updateRoom(trx, orgId, roomId, { ...patch, updated_at: clock.now() });
        await audit.recordBy(
          trx,
          ctx,
          'hub.room_updated',
          { type: 'room', id: roomId },
          { slug: room.slug, fields },
        );
        return { room: after, role, updated: true, archived: patch.archived === true };
      });
      if (result.updated) await access.changed(orgId, roomId);
      if (result.archived) announce({ type: 'room:archived', orgId, roomId });
      return presentRoom(result.room, result.role);
    },

    /** Deletes the room with its members and messages. */
    async deleteRoom(ctx: HubCtx, roomId: string): Promise<void> {
      const orgId = ctx.principal.orgId;
      await db.tenant(orgId, async (trx) => {
        const { room, role } = await load(trx, ctx, roomId, { forUpdate: true });
        if (!canManage(ctx, role)) throw errors.notOwner();
        await repo.deleteRoom(trx, orgId, roomId);
        await audit.recordBy(
          trx,
          ctx,
          'hub.room_deleted',
          { type: 'room', id: roomId },
          {
            slug: room.slug,
            last_seq: Number(room.last_seq),
          },
        );
      });
      await access.changed(orgId, roomId);
      announce({ type: 'room:deleted', orgId, roomId });
    },

    async listMembers(ctx: HubCtx, roomId: string) {
      await readable(ctx, roomId);
      const orgId = ctx.principal.orgId;
      return db.tenant(orgId, (trx) => repo.members(trx, orgId, roomId));
    },

    /** Adds a user or agent of the org with `role`, or changes its role; `created` when added. */
    async putMember(ctx: HubCtx, roomId: string, memberId: string, role: RoomRole) {
      const orgId = ctx.principal.orgId;
      const target = refOf(memberId);
      // Before the transaction: the agent cache may load, which inside one would wait for itself.
      if (target.type === 'agent') {
        const agent = await deps.agents.getRecord(orgId, target.id);
        if (!agent || agent.status === 'archived') throw errors.invalidMember();
      }
      const result = await db.tenant(orgId, async (trx) => {
        const { role: mine } = await load(trx, ctx, roomId, { forUpdate: true });
        if (!canManage(ctx, mine)) throw errors.notOwner();
        if (target.type === 'user' && !(await deps.orgs.isMember(trx, orgId, target.id)))
          throw errors.invalidMember();
        const owners = await repo.lockOwners(trx, orgId, roomId);
        const before = await repo.member(trx, orgId, roomId, target);
        if (before?.role === role) return { member: before, created: false, changed: false };
        if (before?.role === 'owner' && owners.length === 1) throw errors.lastOwner();
        const member = await repo.putMember(trx, {
          room_id: roomId,
          org_id: orgId,
          member_type: target.type,
          member_id: target.id,
          role,
          added_by: memberOf(ctx).id,
          added_at: clock.now(),
        });
        await audit.recordBy(
          trx,
          ctx,
          before ? 'hub.member_changed' : 'hub.member_added',
          { type: 'room', id: roomId },
          { member: target, role, ...(before ? { from: before.role } : {}) },
        );
        return { member, created: !before, changed: true };
      });
      if (result.changed) await access.changed(orgId, roomId, target);
      if (result.created) announce({ type: 'member:added', orgId, roomId, member: target });
      return { member: result.member, created: result.created };
    },

    /** Owners and admins remove anyone; a member may remove itself (leave). */
    removeMember: (ctx: HubCtx, roomId: string, memberId: string) => {
      const target = refOf(memberId);
      return removeMembership(ctx, roomId, target, sameRef(target, memberOf(ctx)));
    },

    leave: (ctx: HubCtx, roomId: string) => removeMembership(ctx, roomId, memberOf(ctx), true),
  };
}
export type HubService = ReturnType<typeof createHubService>;
