// The hub's wire shapes (docs/hub.md), as the socket and the HTTP API carry them.

export type RoomRole = 'owner' | 'member' | 'read_only';

/** A member, a sender or a present principal. */
export interface PrincipalRef {
  type: 'user' | 'agent';
  id: string;
}

export interface Room {
  id: string;
  slug: string;
  name: string;
  topic: string;
  visibility: 'public' | 'private';
  tags: string[];
  created_by: PrincipalRef;
  archived: boolean;
  /** The seq of the newest message; 0 when the room is empty. */
  last_seq: number;
  created_at: string;
  updated_at: string;
  /** The caller's role; null when not a member. */
  my_role: RoomRole | null;
}

export interface RoomMember extends PrincipalRef {
  role: RoomRole;
  added_at: string;
}

export interface RoomMessage {
  id: string;
  room_id: string;
  /** Per room, from 1, increasing in the order messages were stored. */
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

/** What the server says once a socket is connected. */
export interface RoomsSession {
  principal: PrincipalRef;
  rooms: { id: string; slug: string; last_seq: number }[];
}

export interface PresenceUpdate {
  room: string;
  principal: PrincipalRef;
  status: 'online' | 'offline';
}

export interface TypingUpdate {
  room: string;
  principal: PrincipalRef;
  typing: boolean;
}

/** A resume had more to replay than the server sends: page the rest with `history`. */
export interface ReplayTruncated {
  room: string;
  from_seq: number;
}

export interface HistoryPage {
  items: RoomMessage[];
  has_more: boolean;
}
