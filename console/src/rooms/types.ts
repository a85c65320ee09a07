export type {
  HistoryPage,
  PresenceUpdate,
  PrincipalRef,
  Room,
  RoomMember,
  RoomMessage,
  RoomRole,
  TypingUpdate,
} from '@gatehouse/sdk';

export interface CreateRoomInput {
  slug: string;
  name: string;
  topic?: string;
  visibility?: 'public' | 'private';
}
