import type { MessageView, RoomRole, RoomView } from './contract.js';
import type { Room, RoomMember, RoomMessage } from './tables.js';

/** Rows as the wire shows them (contract.ts). */

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentRoom(r: Room, myRole: RoomRole | null): RoomView {
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    topic: r.topic,
    visibility: r.visibility,
    tags: r.tags,
    created_by: { type: r.created_by_type, id: r.created_by_id },
    archived: r.archived,
    last_seq: Number(r.last_seq),
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    my_role: myRole,
  };
}

export function presentMessage(m: RoomMessage): MessageView {
  return {
    id: m.id,
    room_id: m.room_id,
    seq: Number(m.seq),
    sender: {
      type: m.sender_type,
      id: m.sender_id,
      ...(m.on_behalf_of ? { on_behalf_of: m.on_behalf_of } : {}),
    },
    body: m.body,
    data: m.data,
    reply_to: m.reply_to,
    client_msg_id: m.client_msg_id,
    created_at: m.created_at.toISOString(),
    edited_at: iso(m.edited_at),
    deleted_at: iso(m.deleted_at),
  };
}

export const presentMember = (m: RoomMember) => ({
  type: m.member_type,
  id: m.member_id,
  role: m.role,
  added_at: m.added_at.toISOString(),
});
