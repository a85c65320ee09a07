import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import type { AuditService } from '../audit/service.js';
import { assertMayPost, canManage, type RoomAccess, sameRef, senderOf } from './access.js';
import type { EditInput, HubBroadcast, HubCtx, MessageView, SendInput } from './contract.js';
import { hubErrors as errors } from './errors.js';
import { presentMessage } from './present.js';
import { hubRepo as repo } from './repo.js';
import type { RoomMessage } from './tables.js';

interface Deps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  access: RoomAccess;
  /** Hands a change to the socket layer, after its commit. */
  announce: (event: HubBroadcast) => void;
  /** The largest message body, in UTF-8 bytes (GATEHOUSE_HUB_MAX_MESSAGE_BYTES). */
  maxMessageBytes: number;
}

/** docs/hub.md: a message's `data`, serialized. */
const MAX_DATA_BYTES = 16 * 1024;
const UNIQUE_VIOLATION = '23505';

/**
 * A room's messages (docs/hub.md, "Messages"): sending, editing and deleting one's own, reading
 * the history. Every stored, edited or deleted message is announced once, after its commit.
 */
export function createMessages(deps: Deps) {
  const { db, clock, audit, access, announce } = deps;
  const { load, authorize, readable, postable } = access;
  const stored = { socket: 0, http: 0 };

  function assertSizes(body: string, data: Record<string, unknown> | undefined) {
    if (Buffer.byteLength(body, 'utf8') > deps.maxMessageBytes) throw errors.tooLarge(deps.maxMessageBytes);
    if (data !== undefined && Buffer.byteLength(JSON.stringify(data), 'utf8') > MAX_DATA_BYTES)
      throw errors.dataTooLarge(MAX_DATA_BYTES);
  }

  return {
    async send(
      ctx: HubCtx,
      roomId: string,
      input: SendInput,
      via: 'socket' | 'http',
    ): Promise<{ message: MessageView; duplicate: boolean }> {
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
    async edit(ctx: HubCtx, roomId: string, messageId: string, input: EditInput) {
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
    async remove(ctx: HubCtx, roomId: string, messageId: string) {
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

    /** Messages stored since start, by how they came (for the socket layer's counter). */
    storedMessages: (): Readonly<typeof stored> => ({ ...stored }),
  };
}
