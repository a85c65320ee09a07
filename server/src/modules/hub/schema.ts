import { z } from 'zod';
import { pageQuery } from '../../platform/pagination.js';
import { idParam } from '../orgs/schema.js';
import { editInput, ROOM_ROLES, sendInput, VISIBILITIES } from './contract.js';

const slug = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'must be 1–63 lower-case letters, digits and dashes, not starting with a dash',
  );
const name = z.string().trim().min(1).max(200);
const topic = z.string().max(1000);
const tags = z.array(z.string().trim().min(1).max(64)).max(20);

export const createRoomBody = z
  .object({
    slug,
    name,
    topic: topic.optional(),
    visibility: z.enum(VISIBILITIES).optional(),
    tags: tags.optional(),
  })
  .strict();
export type CreateRoomInput = z.infer<typeof createRoomBody>;

export const updateRoomBody = z
  .object({
    name: name.optional(),
    topic: topic.optional(),
    visibility: z.enum(VISIBILITIES).optional(),
    tags: tags.optional(),
    archived: z.boolean().optional(),
  })
  .strict();
export type UpdateRoomInput = z.infer<typeof updateRoomBody>;

export const roomParams = idParam('rm');
export const memberParams = roomParams.extend({
  member_id: z.string().regex(/^(usr|agt)_[0-9a-z]{26}$/, 'must be a usr_ or agt_ id'),
});
export const messageParams = roomParams.extend({
  msg_id: z.string().regex(/^msg_[0-9a-z]{26}$/, 'must be a msg_ id'),
});

export const listRoomsQuery = pageQuery
  .extend({
    mine: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
  })
  .strict();

const seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const historyQuery = z
  .object({
    before_seq: seq.optional(),
    after_seq: seq.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const searchQuery = z
  .object({
    q: z.string().trim().min(1).max(500),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const sendBody = sendInput.strict();
export const editBody = editInput.strict();
export const memberBody = z.object({ role: z.enum(ROOM_ROLES) }).strict();

const principalRef = z.object({ type: z.enum(['user', 'agent']), id: z.string() });

export const roomSchema = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  topic: z.string(),
  visibility: z.enum(VISIBILITIES),
  tags: z.array(z.string()),
  created_by: principalRef,
  archived: z.boolean(),
  last_seq: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  my_role: z.enum(ROOM_ROLES).nullable(),
});

export const memberSchema = z.object({
  type: z.enum(['user', 'agent']),
  id: z.string(),
  role: z.enum(ROOM_ROLES),
  added_at: z.string(),
});

export const messageSchema = z.object({
  id: z.string(),
  room_id: z.string(),
  seq: z.number().int(),
  sender: principalRef.extend({ on_behalf_of: z.string().optional() }),
  body: z.string(),
  data: z.record(z.string(), z.unknown()).nullable(),
  reply_to: z.string().nullable(),
  client_msg_id: z.string().nullable(),
  created_at: z.string(),
  edited_at: z.string().nullable(),
  deleted_at: z.string().nullable(),
});
