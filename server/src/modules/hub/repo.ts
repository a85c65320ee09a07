import { type Insertable, sql, type Updateable } from 'kysely';
import type { Q } from '../../platform/db/database.js';
import type { PrincipalRef } from './contract.js';
import type { RoomMembersTable, RoomMessagesTable, RoomsTable } from './tables.js';

/** Every message column but the generated search vector, which nobody reads back. */
const MESSAGE_COLUMNS = [
  'id',
  'org_id',
  'room_id',
  'seq',
  'sender_type',
  'sender_id',
  'on_behalf_of',
  'body',
  'data',
  'reply_to',
  'client_msg_id',
  'created_at',
  'edited_at',
  'deleted_at',
] as const;

/** What a send writes, in the order the append's select gives them. */
const APPENDED_COLUMNS = MESSAGE_COLUMNS.filter((c) => c !== 'edited_at' && c !== 'deleted_at');

/**
 * SQL for rooms, their members and their messages. Every query filters by org even though RLS
 * also does.
 */
export const hubRepo = {
  insertRoom: (q: Q, row: Insertable<RoomsTable>) =>
    q.insertInto('rooms').values(row).returningAll().executeTakeFirstOrThrow(),

  room: (q: Q, orgId: string, id: string, opts: { forUpdate?: boolean } = {}) => {
    const query = q.selectFrom('rooms').selectAll().where('org_id', '=', orgId).where('id', '=', id);
    return (opts.forUpdate ? query.forUpdate() : query).executeTakeFirst();
  },

  slugTaken: async (q: Q, orgId: string, slug: string) =>
    !!(await q
      .selectFrom('rooms')
      .select('id')
      .where('org_id', '=', orgId)
      .where('slug', '=', slug)
      .executeTakeFirst()),

  /**
   * Rooms in id order with the caller's role: those it belongs to, and unless `mine`, the public
   * ones (or every room, for `all`: an org admin).
   */
  listRooms: (
    q: Q,
    orgId: string,
    who: PrincipalRef,
    p: { after?: string | undefined; limit: number; mine: boolean; all: boolean },
  ) => {
    let query = q
      .selectFrom('rooms as r')
      .leftJoin('room_members as m', (j) =>
        j.onRef('m.room_id', '=', 'r.id').on('m.member_type', '=', who.type).on('m.member_id', '=', who.id),
      )
      .selectAll('r')
      .select('m.role as my_role')
      .where('r.org_id', '=', orgId)
      .orderBy('r.id')
      .limit(p.limit);
    if (p.mine) query = query.where('m.role', 'is not', null);
    else if (!p.all)
      query = query.where((eb) => eb.or([eb('r.visibility', '=', 'public'), eb('m.role', 'is not', null)]));
    if (p.after) query = query.where('r.id', '>', p.after);
    return query.execute();
  },

  /** The live rooms a principal belongs to, for a socket to join on connect. */
  roomsOf: (q: Q, orgId: string, who: PrincipalRef) =>
    q
      .selectFrom('room_members as m')
      .innerJoin('rooms as r', 'r.id', 'm.room_id')
      .selectAll('r')
      .where('m.org_id', '=', orgId)
      .where('m.member_type', '=', who.type)
      .where('m.member_id', '=', who.id)
      .where('r.archived', '=', false)
      .orderBy('r.id')
      .execute(),

  updateRoom: (q: Q, orgId: string, id: string, patch: Updateable<RoomsTable>) =>
    q
      .updateTable('rooms')
      .set(patch)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),

  deleteRoom: (q: Q, orgId: string, id: string) =>
    q.deleteFrom('rooms').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),

  // Members.
  member: (q: Q, orgId: string, roomId: string, who: PrincipalRef) =>
    q
      .selectFrom('room_members')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('room_id', '=', roomId)
      .where('member_type', '=', who.type)
      .where('member_id', '=', who.id)
      .executeTakeFirst(),

  members: (q: Q, orgId: string, roomId: string) =>
    q
      .selectFrom('room_members')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('room_id', '=', roomId)
      .orderBy('added_at')
      .orderBy('member_id')
      .execute(),

  /** Adds the member, or changes its role; the row as it is now. */
  putMember: (q: Q, row: Insertable<RoomMembersTable> & { role: RoomMembersTable['role'] }) =>
    q
      .insertInto('room_members')
      .values(row)
      .onConflict((oc) => oc.columns(['room_id', 'member_type', 'member_id']).doUpdateSet({ role: row.role }))
      .returningAll()
      .executeTakeFirstOrThrow(),

  /** Adds the member unless it is one already; undefined then. */
  addMember: (q: Q, row: Insertable<RoomMembersTable>) =>
    q
      .insertInto('room_members')
      .values(row)
      .onConflict((oc) => oc.columns(['room_id', 'member_type', 'member_id']).doNothing())
      .returningAll()
      .executeTakeFirst(),

  removeMember: (q: Q, orgId: string, roomId: string, who: PrincipalRef) =>
    q
      .deleteFrom('room_members')
      .where('org_id', '=', orgId)
      .where('room_id', '=', roomId)
      .where('member_type', '=', who.type)
      .where('member_id', '=', who.id)
      .returningAll()
      .executeTakeFirst(),

  /** The room's owners, locked: two owners demoting each other at once cannot leave none. */
  lockOwners: (q: Q, orgId: string, roomId: string) =>
    q
      .selectFrom('room_members')
      .select(['member_type', 'member_id'])
      .where('org_id', '=', orgId)
      .where('room_id', '=', roomId)
      .where('role', '=', 'owner')
      .forUpdate()
      .execute(),

  // Messages.
  /**
   * Takes the room's next seq and stores the message with it in one statement, so the room row's
   * lock is held for no round trip: sends to one room queue on it only for the statement itself.
   * Nothing when the room is gone or archived. A client_msg_id already used fails the whole
   * statement (unique violation), its seq with it.
   */
  appendMessage: (q: Q, row: Omit<Insertable<RoomMessagesTable>, 'seq'>) =>
    q
      .with('next', (w) =>
        w
          .updateTable('rooms')
          .set({ last_seq: sql`last_seq + 1` })
          .where('org_id', '=', row.org_id)
          .where('id', '=', row.room_id)
          .where('archived', '=', false)
          .returning('last_seq'),
      )
      .insertInto('room_messages')
      .columns(APPENDED_COLUMNS)
      .expression((e) =>
        e
          .selectFrom('next')
          .select([
            sql.val(row.id).as('id'),
            sql.val(row.org_id).as('org_id'),
            sql.val(row.room_id).as('room_id'),
            'next.last_seq',
            sql.val(row.sender_type).as('sender_type'),
            sql.val(row.sender_id).as('sender_id'),
            sql.val(row.on_behalf_of ?? null).as('on_behalf_of'),
            sql.val(row.body).as('body'),
            sql`${row.data ?? null}::jsonb`.as('data'),
            sql.val(row.reply_to ?? null).as('reply_to'),
            sql.val(row.client_msg_id ?? null).as('client_msg_id'),
            sql`${row.created_at}::timestamptz`.as('created_at'),
          ]),
      )
      .returning(MESSAGE_COLUMNS)
      .executeTakeFirst(),

  message: (q: Q, orgId: string, roomId: string, id: string, opts: { forUpdate?: boolean } = {}) => {
    const query = q
      .selectFrom('room_messages')
      .select(MESSAGE_COLUMNS)
      .where('org_id', '=', orgId)
      .where('room_id', '=', roomId)
      .where('id', '=', id);
    return (opts.forUpdate ? query.forUpdate() : query).executeTakeFirst();
  },

  byClientMsgId: (q: Q, orgId: string, roomId: string, sender: PrincipalRef, clientMsgId: string) =>
    q
      .selectFrom('room_messages')
      .select(MESSAGE_COLUMNS)
      .where('org_id', '=', orgId)
      .where('room_id', '=', roomId)
      .where('sender_type', '=', sender.type)
      .where('sender_id', '=', sender.id)
      .where('client_msg_id', '=', clientMsgId)
      .executeTakeFirst(),

  updateMessage: (q: Q, orgId: string, id: string, patch: Updateable<RoomMessagesTable>) =>
    q
      .updateTable('room_messages')
      .set(patch)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returning(MESSAGE_COLUMNS)
      .executeTakeFirstOrThrow(),

  /** Ascending by seq: the first `limit` after `afterSeq` (and before `beforeSeq`, when given). */
  after: (q: Q, orgId: string, roomId: string, afterSeq: number, limit: number, beforeSeq?: number) => {
    let query = q
      .selectFrom('room_messages')
      .select(MESSAGE_COLUMNS)
      .where('org_id', '=', orgId)
      .where('room_id', '=', roomId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit);
    if (beforeSeq !== undefined) query = query.where('seq', '<', beforeSeq);
    return query.execute();
  },

  /** Descending by seq: the last `limit` before `beforeSeq` (or the newest). */
  before: (q: Q, orgId: string, roomId: string, beforeSeq: number | undefined, limit: number) => {
    let query = q
      .selectFrom('room_messages')
      .select(MESSAGE_COLUMNS)
      .where('org_id', '=', orgId)
      .where('room_id', '=', roomId)
      .orderBy('seq', 'desc')
      .limit(limit);
    if (beforeSeq !== undefined) query = query.where('seq', '<', beforeSeq);
    return query.execute();
  },

  /** Live messages matching a websearch query ('simple' configuration), best match first. */
  search: (q: Q, orgId: string, roomId: string, text: string, limit: number) => {
    const query = sql`websearch_to_tsquery('simple', ${text})`;
    return q
      .selectFrom('room_messages')
      .select(MESSAGE_COLUMNS)
      .where('org_id', '=', orgId)
      .where('room_id', '=', roomId)
      .where('deleted_at', 'is', null)
      .where(sql<boolean>`search @@ ${query}`)
      .orderBy(sql`ts_rank(search, ${query})`, 'desc')
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
  },
};
