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
import {
  assertMayPost,
  canManage,
  createRoomAccess,
  isOrgAdmin,
  memberOf,
  refOf,
  sameRef,
  senderOf,
} from './access.js';
import type {
  EditInput,
  HubBroadcast,
  HubCtx,
  HubRealtime,
  PrincipalRef,
  RoomRole,
  RoomView,
  SendInput,
} from './contract.js';
import { hubErrors as errors } from './errors.js';
import { presentMessage, presentRoom } from './present.js';
import { hubRepo as repo } from './repo.js';
import type { CreateRoomInput, UpdateRoomInput } from './schema.js';
import type { RoomMessage } from './tables.js';

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

/** docs/hub.md: a message's `data`, serialized. */
const MAX_DATA_BYTES = 16 * 1024;
const UNIQUE_VIOLATION = '23505';

/**
 * Rooms, their members and their messages (docs/hub.md): the rules of who may do what, and the
 * announcements the socket layer broadcasts. Every stored, edited or deleted message is announced
 * once, after its commit, on the node that made it.
 */
export function createHubService(deps: Deps) {
  const { db, clock, audit } = deps;
  const access = createRoomAccess(deps);
  const { load, authorize, readable, postable, readableByAgent } = access;
  const listeners = new Set<(event: HubBroadcast) => void>();
  const stored = { socket: 0, http: 0 };

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

  function assertSizes(body: string, data: Record<string, unknown> | undefined) {
    if (Buffer.byteLength(body, 'utf8') > deps.maxMessageBytes) throw errors.tooLarge(deps.maxMessageBytes);
    if (data !== undefined && Buffer.byteLength(JSON.stringify(data), 'utf8') > MAX_DATA_BYTES)
      throw errors.dataTooLarge(MAX_DATA_BYTES);
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

    async send(ctx, roomId, input: SendInput, via) {
      const orgId = ctx.principal.orgId;
      assertSizes(input.body, input.data);
      // The room and the caller's role from memory; then one statement on the owner's connection,
      // naming its org (Db.system), not two tenant transactions of five and six round trips. The
      // room's seq lock is held by that statement alone, which also refuses a room archived or
      // deleted since it was cached (see appendMessage).
      const found = await access.cached(ctx, roomId);
      assertMayPost(ctx, found);
      await authorize(ctx, 'room.post', found.room);
      const sender = senderOf(ctx);
      const key = input.client_msg_id;
      if (input.reply_to && !(await repo.message(db.system, orgId, roomId, input.reply_to)))
        throw errors.invalidReplyTo();
      const now = clock.now();
      let row: RoomMessage | undefined;
      try {
        row = await repo.appendMessage(db.system, {
          id: newId('msg', now.getTime()),
          org_id: orgId,
          room_id: roomId,
          sender_type: sender.type,
          sender_id: sender.id,
          on_behalf_of: sender.onBehalfOf,
          body: input.body,
          data: input.data === undefined ? null : JSON.stringify(input.data),
          reply_to: input.reply_to ?? null,
          client_msg_id: key ?? null,
          created_at: now,
        });
      } catch (err) {
        // A retry: the key was used before (or by a send racing this one), whose message stands.
        if (!key || (err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
        const existing = await repo.byClientMsgId(db.system, orgId, roomId, sender, key);
        if (!existing) throw err;
        return { message: presentMessage(existing), duplicate: true };
      }
      // Archived or deleted since it was read.
      if (!row) throw (await repo.room(db.system, orgId, roomId)) ? errors.archived() : errors.roomNotFound();
      const message = presentMessage(row);
      stored[via]++;
      announce({ type: 'message:new', orgId, message });
      return { message, duplicate: false };
    },

    /** The sender changes its message's body (and data, when given; kept otherwise). */
    async edit(ctx, roomId, messageId, input: EditInput) {
      const orgId = ctx.principal.orgId;
      assertSizes(input.body, input.data);
      await postable(ctx, roomId);
      const sender = senderOf(ctx);
      const row = await db.tenant(orgId, async (trx) => {
        const before = await repo.message(trx, orgId, roomId, messageId, { forUpdate: true });
        if (!before || before.deleted_at) throw errors.messageNotFound();
        if (!sameRef({ type: before.sender_type, id: before.sender_id }, sender)) throw errors.notSender();
        const after = await repo.updateMessage(trx, orgId, messageId, {
          body: input.body,
          ...(input.data === undefined ? {} : { data: JSON.stringify(input.data) }),
          edited_at: clock.now(),
        });
        await audit.recordBy(
          trx,
          ctx,
          'hub.message_edited',
          { type: 'message', id: messageId },
          {
            room_id: roomId,
            seq: Number(after.seq),
          },
        );
        return after;
      });
      const message = presentMessage(row);
      announce({ type: 'message:updated', orgId, message });
      return message;
    },

    /**
     * Leaves a tombstone: same id and seq, no body or data. The sender, or for moderation the
     * room's owners and the org's admins. Deleting a tombstone again answers it unchanged.
     */
    async remove(ctx, roomId, messageId) {
      const orgId = ctx.principal.orgId;
      const access = await db.tenant(orgId, (trx) => load(trx, ctx, roomId));
      const moderator = canManage(ctx, access.role);
      if (!moderator) assertMayPost(ctx, access);
      else if (access.room.archived) throw errors.archived();
      await authorize(ctx, 'room.post', access.room);
      const sender = senderOf(ctx);
      const result = await db.tenant(orgId, async (trx) => {
        const before = await repo.message(trx, orgId, roomId, messageId, { forUpdate: true });
        if (!before) throw errors.messageNotFound();
        const own = sameRef({ type: before.sender_type, id: before.sender_id }, sender);
        if (!own && !moderator) throw errors.notSender();
        if (before.deleted_at) return { row: before, changed: false };
        const after = await repo.updateMessage(trx, orgId, messageId, {
          body: '',
          data: null,
          deleted_at: clock.now(),
        });
        await audit.recordBy(
          trx,
          ctx,
          'hub.message_deleted',
          { type: 'message', id: messageId },
          {
            room_id: roomId,
            seq: Number(after.seq),
            sender: { type: before.sender_type, id: before.sender_id },
          },
        );
        return { row: after, changed: true };
      });
      const message = presentMessage(result.row);
      if (result.changed) announce({ type: 'message:deleted', orgId, message });
      return message;
    },

    async after(ctx, roomId, afterSeq, limit) {
      await readable(ctx, roomId);
      const orgId = ctx.principal.orgId;
      const rows = await db.tenant(orgId, (trx) => repo.after(trx, orgId, roomId, afterSeq, limit + 1));
      return { items: rows.slice(0, limit).map(presentMessage), has_more: rows.length > limit };
    },

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

    /** Messages stored since start, by how they came (for the socket layer's counter). */
    storedMessages: (): Readonly<typeof stored> => ({ ...stored }),

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

    /**
     * History ascending by seq: with `after_seq`, the first `limit` after it (and before
     * `before_seq` when given too); otherwise the last `limit` before `before_seq`, or the newest.
     */
    async history(
      ctx: HubCtx,
      roomId: string,
      q: { before_seq?: number | undefined; after_seq?: number | undefined; limit: number },
    ) {
      await readable(ctx, roomId);
      const orgId = ctx.principal.orgId;
      const { before_seq: before, after_seq: after, limit } = q;
      const rows = await db.tenant(orgId, (trx) =>
        after !== undefined
          ? repo.after(trx, orgId, roomId, after, limit + 1, before)
          : repo.before(trx, orgId, roomId, before, limit + 1),
      );
      const items = rows.slice(0, limit);
      if (after === undefined) items.reverse();
      return { items: items.map(presentMessage), has_more: rows.length > limit };
    },

    async search(ctx: HubCtx, roomId: string, q: { q: string; limit: number }) {
      await readable(ctx, roomId);
      const orgId = ctx.principal.orgId;
      const rows = await db.tenant(orgId, (trx) => repo.search(trx, orgId, roomId, q.q, q.limit));
      return { items: rows.map(presentMessage) };
    },
  };
}
export type HubService = ReturnType<typeof createHubService>;
