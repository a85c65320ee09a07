import { AppError, conflict, notFound } from '../../platform/errors.js';

/** The hub's error codes (docs/hub.md), shared by the HTTP routes and the socket acks. */
export const hubErrors = {
  /** Unknown, another org's, or private and not yours: all look the same. */
  roomNotFound: () => notFound('Room'),
  messageNotFound: () => notFound('Message'),
  memberNotFound: () => notFound('Member'),
  notAMember: () => new AppError(403, 'not_a_member', 'You are not a member of this room'),
  readOnly: (why = 'Your membership of this room is read-only') => new AppError(403, 'read_only', why),
  notOwner: () => new AppError(403, 'forbidden', "Only the room's owners and the org's admins may do this"),
  notSender: () => new AppError(403, 'forbidden', 'Only the sender may change its message'),
  /** A policy or a missing capability refused an agent; the reasons are the decision's. */
  denied: (action: string, reasons: string[]) =>
    new AppError(403, 'forbidden', `${action} is not allowed: ${reasons.join(', ')}`),
  archived: () => conflict('room_archived', 'The room is archived: nothing more can be posted or joined'),
  slugTaken: (slug: string) => conflict('slug_taken', `A room named ${slug} already exists`),
  lastOwner: () => conflict('last_owner', 'A room keeps at least one owner'),
  tooLarge: (limit: number) =>
    new AppError(413, 'message_too_large', `A message body may hold ${limit} bytes at most`),
  dataTooLarge: (limit: number) =>
    new AppError(413, 'message_too_large', `A message's data may hold ${limit} bytes at most, serialized`),
  invalidReplyTo: () =>
    new AppError(400, 'invalid_reply_to', 'reply_to is not a message of this room', {
      errors: [{ field: 'body.reply_to', message: 'is not a message of this room' }],
    }),
  invalidMember: () =>
    new AppError(400, 'validation_failed', 'The member is not a user or agent of this organization', {
      errors: [{ field: 'params.member_id', message: 'is not a user or agent of this organization' }],
    }),
};
