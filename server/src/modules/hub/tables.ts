import type { ColumnType, Selectable } from 'kysely';
import type { RoomRole, VISIBILITIES } from './contract.js';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** bigint: pg hands it back as a string, PGlite as a number. */
type Int8 = ColumnType<string | number, number | undefined, number>;

export interface RoomsTable {
  id: string;
  org_id: string;
  slug: string;
  name: string;
  topic: string;
  visibility: (typeof VISIBILITIES)[number];
  tags: string[];
  created_by_type: 'user' | 'agent';
  created_by_id: string;
  archived: boolean;
  last_seq: Int8;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RoomMembersTable {
  room_id: string;
  org_id: string;
  member_type: 'user' | 'agent';
  member_id: string;
  role: RoomRole;
  added_by: string;
  added_at: Timestamp;
}

export interface RoomMessagesTable {
  id: string;
  org_id: string;
  room_id: string;
  seq: Int8;
  sender_type: 'user' | 'agent';
  sender_id: string;
  on_behalf_of: string | null;
  body: string;
  data: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  reply_to: string | null;
  client_msg_id: string | null;
  created_at: Timestamp;
  edited_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  // The generated `search` tsvector is left out: only the search query names it, in SQL.
}

declare module '../../platform/db/tables.js' {
  interface Tables {
    rooms: RoomsTable;
    room_members: RoomMembersTable;
    room_messages: RoomMessagesTable;
  }
}

export type Room = Selectable<RoomsTable>;
export type RoomMember = Selectable<RoomMembersTable>;
export type RoomMessage = Selectable<RoomMessagesTable>;
