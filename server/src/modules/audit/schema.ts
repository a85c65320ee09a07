import { z } from 'zod';
import { badRequest } from '../../platform/errors.js';
import { pageQuery } from '../../platform/pagination.js';
import type { BreakKind } from './verify.js';

const seq = z.coerce.number().int().min(1);

export const auditQuery = pageQuery
  .extend({
    actor: z.string().max(100).optional().describe('actor id (a user, agent or system id)'),
    action: z
      .string()
      .regex(/^[a-z0-9_.]+(\.\*)?$/)
      .max(100)
      .optional()
      .describe('an action, or a prefix ending in `.*` such as `token.*`'),
    target: z.string().max(200).optional().describe('target id'),
    outcome: z.enum(['success', 'failure']).optional(),
    from: z.iso.datetime({ offset: true }).optional().describe('at or after this time'),
    to: z.iso.datetime({ offset: true }).optional().describe('before this time'),
  })
  .strict();
export type AuditQuery = z.infer<typeof auditQuery>;

export const verifyQuery = z
  .object({
    from: seq.optional().describe('first seq to recompute (default 1)'),
    to: seq.optional().describe('last seq to recompute (default: the end of the chain)'),
  })
  .strict();

export const auditEventSchema = z.object({
  id: z.string(),
  org_id: z.string().nullable(),
  seq: z.number().int(),
  at: z.string(),
  actor: z.object({
    type: z.enum(['user', 'agent', 'system', 'anonymous']),
    id: z.string().nullable(),
    chain: z.record(z.string(), z.unknown()).nullable(),
  }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }).nullable(),
  outcome: z.enum(['success', 'failure']),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  request_id: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prev_hash: z.string(),
  hash: z.string(),
});
export type PresentedAuditEvent = z.infer<typeof auditEventSchema>;

export const verifyReportSchema = z.object({
  org_id: z.string().nullable(),
  ok: z.boolean(),
  verified: z.number().int(),
  from_seq: z.number().int(),
  last_seq: z.number().int().nullable(),
  last_hash: z.string().nullable(),
  checkpoint: z.object({ id: z.string(), seq: z.number().int(), hash: z.string() }).nullable(),
  break: z
    .object({
      seq: z.number().int(),
      kind: z.enum(['modified', 'deleted', 'reordered', 'inserted', 'truncated'] satisfies BreakKind[]),
      detail: z.string(),
    })
    .nullable(),
  message: z.string(),
});

/** Cursors of the audit list: the seq of the last record seen, opaque to clients. */
export const seqCursor = {
  encode: (seq: number) => Buffer.from(`seq:${seq}`).toString('base64url'),
  decode(cursor: string | undefined): number | undefined {
    if (cursor === undefined) return undefined;
    const m = /^seq:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!m) throw badRequest('invalid_cursor', 'The cursor is not valid');
    return Number(m[1]);
  },
};
