import { z } from 'zod';
import { pageQuery } from '../../platform/pagination.js';
import { idParam } from '../orgs/schema.js';
import { type Delegation, SUBJECT_TYPES } from './tables.js';

export const DELEGATION_STATUSES = ['active', 'expired', 'revoked'] as const;
export type DelegationStatus = (typeof DELEGATION_STATUSES)[number];
export const MAX_CHAIN_DEPTH = 5;

const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/;
const agentId = z.string().regex(/^agt_[0-9a-z]{26}$/, 'must be an agt_ id');

export const createDelegationBody = z
  .object({
    actor_agent_id: agentId,
    subject: z
      .object({
        type: z.enum(SUBJECT_TYPES),
        id: z.string().regex(/^(agt|usr)_[0-9a-z]{26}$/, 'must be an agt_ or usr_ id'),
      })
      .strict()
      .refine((s) => s.id.startsWith(s.type === 'agent' ? 'agt_' : 'usr_'), {
        message: 'the id does not match the subject type',
        path: ['id'],
      }),
    scopes: z.array(z.string().regex(SCOPE, 'is not a valid scope token')).max(100).nullish(),
    max_depth: z.number().int().min(1).max(MAX_CHAIN_DEPTH).default(1),
    expires_at: z.iso.datetime({ offset: true }).nullish(),
  })
  .strict();
export type CreateDelegationInput = z.infer<typeof createDelegationBody>;

export const listDelegationsQuery = pageQuery.extend({
  actor_agent_id: agentId.optional(),
  subject_id: z.string().max(40).optional(),
  status: z.enum(DELEGATION_STATUSES).optional(),
});

export const delegationParams = idParam('dlg');

export const delegationSchema = z.object({
  id: z.string(),
  actor_agent_id: z.string(),
  subject: z.object({ type: z.enum(SUBJECT_TYPES), id: z.string() }),
  scopes: z.array(z.string()).nullable(),
  max_depth: z.number(),
  expires_at: z.string().nullable(),
  created_by: z.string().nullable(),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
  status: z.enum(DELEGATION_STATUSES),
});

export function statusOf(d: Delegation, now: Date): DelegationStatus {
  if (d.revoked_at) return 'revoked';
  return d.expires_at && d.expires_at <= now ? 'expired' : 'active';
}

export const presentDelegation = (d: Delegation, now: Date) => ({
  id: d.id,
  actor_agent_id: d.actor_agent_id,
  subject: { type: d.subject_type, id: d.subject_id },
  scopes: d.scopes,
  max_depth: d.max_depth,
  expires_at: d.expires_at?.toISOString() ?? null,
  created_by: d.created_by,
  created_at: d.created_at.toISOString(),
  revoked_at: d.revoked_at?.toISOString() ?? null,
  status: statusOf(d, now),
});
