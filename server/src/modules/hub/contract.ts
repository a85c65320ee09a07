import { z } from 'zod';
import type { AgentPrincipal, Ctx, UserPrincipal } from '../../platform/context.js';

/**
 * What the hub's parts agree on (docs/hub.md): the wire shapes of rooms and messages, the input
 * schemas both the HTTP routes and the socket events validate with, the service the socket layer
 * calls, and what the service announces for the socket layer to broadcast.
 */

/** Who talks in rooms: people (sessions) and agents (access tokens). */
export type HubPrincipal = UserPrincipal | AgentPrincipal;
export type HubCtx = Ctx<HubPrincipal>;

export const ROOM_ROLES = ['owner', 'member', 'read_only'] as const;
export type RoomRole = (typeof ROOM_ROLES)[number];
export const VISIBILITIES = ['public', 'private'] as const;

/** A member or a sender, as the wire names it. */
export interface PrincipalRef {
  type: 'user' | 'agent';
  id: string;
}

export interface RoomView {
  id: string;
  slug: string;
  name: string;
  topic: string;
  visibility: (typeof VISIBILITIES)[number];
  tags: string[];
  created_by: PrincipalRef;
  archived: boolean;
  last_seq: number;
  created_at: string;
  updated_at: string;
  /** The caller's role; null when not a member. */
  my_role: RoomRole | null;
}

export interface MessageView {
  id: string;
  room_id: string;
  seq: number;
  /** For a delegated token, the actor, with the subject it acted for. */
  sender: PrincipalRef & { on_behalf_of?: string };
  body: string;
  data: Record<string, unknown> | null;
  reply_to: string | null;
  client_msg_id: string | null;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
}

const roomId = z.string().regex(/^rm_[0-9a-z]{26}$/, 'a room id (rm_…)');
const messageId = z.string().regex(/^msg_[0-9a-z]{26}$/, 'a message id (msg_…)');
export const clientMsgId = z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, '1–100 of A-Z a-z 0-9 . _ : -');
/** Structured data beside the text: a JSON object (its serialized size is checked by the service). */
export const messageData = z.record(z.string(), z.unknown());

/** The body's byte limit is configurable, so it is checked by the service, not here. */
export const sendInput = z.object({
  body: z.string().min(1),
  data: messageData.optional(),
  reply_to: messageId.optional(),
  client_msg_id: clientMsgId.optional(),
});
export type SendInput = z.infer<typeof sendInput>;

export const editInput = z.object({ body: z.string().min(1), data: messageData.optional() });
export type EditInput = z.infer<typeof editInput>;

/** Socket event payloads (docs/hub.md, "Events"). */
export const socketEvents = {
  'message:send': sendInput.extend({ room: roomId, client_msg_id: clientMsgId }),
  'message:edit': editInput.extend({ room: roomId, id: messageId }),
  'message:delete': z.object({ room: roomId, id: messageId }),
  'room:join': z.object({ room: roomId }),
  'room:leave': z.object({ room: roomId }),
  'room:resume': z.object({ room: roomId, after_seq: z.number().int().min(0) }),
  'room:present': z.object({ room: roomId }),
  typing: z.object({ room: roomId, typing: z.boolean() }),
  'auth:refresh': z.object({ token: z.string().min(1).max(8192) }),
} as const;
export type SocketEvent = keyof typeof socketEvents;

/** At most this many messages are replayed per room on resume; the rest is paged over HTTP. */
export const RESUME_LIMIT = 500;

/** What the service announces after each change, for the socket layer to broadcast. */
export type HubBroadcast =
  | { type: 'message:new' | 'message:updated' | 'message:deleted'; orgId: string; message: MessageView }
  | { type: 'member:added' | 'member:removed'; orgId: string; roomId: string; member: PrincipalRef }
  | { type: 'room:archived' | 'room:deleted'; orgId: string; roomId: string };

/** The part of the hub service the socket layer calls; each throws AppError with a code. */
export interface HubRealtime {
  /** The live rooms the principal belongs to and may read (for an agent, `room.read` allows). */
  roomsToJoin(ctx: HubCtx): Promise<Pick<RoomView, 'id' | 'slug' | 'last_seq'>[]>;
  /** Joins a room's feed: may read it (a public room makes the caller a member). */
  join(ctx: HubCtx, roomId: string): Promise<RoomView>;
  send(
    ctx: HubCtx,
    roomId: string,
    input: SendInput,
    via: 'socket' | 'http',
  ): Promise<{ message: MessageView; duplicate: boolean }>;
  edit(ctx: HubCtx, roomId: string, messageId: string, input: EditInput): Promise<MessageView>;
  remove(ctx: HubCtx, roomId: string, messageId: string): Promise<MessageView>;
  /** Messages after `afterSeq` in seq order, for resume; checks the caller may read the room. */
  after(
    ctx: HubCtx,
    roomId: string,
    afterSeq: number,
    limit: number,
  ): Promise<{ items: MessageView[]; has_more: boolean }>;
  /** Each stored, edited or deleted message and membership change, once, on the node that made it. */
  onBroadcast(listener: (event: HubBroadcast) => void): () => void;
}
