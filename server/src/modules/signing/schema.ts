import { z } from 'zod';
import { idParam } from '../orgs/schema.js';
import { SIGNING_REQUIREMENTS, type SigningKey, type SigningRequirement } from './tables.js';

export const GRACE_SECONDS = { max: 7 * 24 * 3600, default: 3600 } as const;
export const MAX_LIVE_KEYS = 10;
export const SIGNING_KEY_STATUSES = ['active', 'rotating', 'expired', 'revoked'] as const;
export type SigningKeyStatus = (typeof SIGNING_KEY_STATUSES)[number];

/** An action name as the authz catalogue spells them: dotted lower-case words (`integration.call`). */
export const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

// The body may be left out (Fastify then gives null): a key that does not expire.
export const createKeyBody = z
  .object({ expires_at: z.iso.datetime({ offset: true }).nullish() })
  .strict()
  .nullish()
  .transform((body) => ({ expires_at: body?.expires_at ?? null }));

export const rotateKeyBody = z
  .object({
    grace_seconds: z.number().int().min(0).max(GRACE_SECONDS.max).default(GRACE_SECONDS.default),
  })
  .strict()
  .nullish()
  .transform((body) => body ?? { grace_seconds: GRACE_SECONDS.default });

export const agentParams = idParam('agt');
export const keyParams = agentParams.extend({
  kid: z.string().regex(/^csk_[0-9a-z]{26}$/, 'must be a csk_ id'),
});

/** The answer to create and rotate: the only place a signing secret ever appears. */
export const issuedKeySchema = z.object({
  id: z.string(),
  agent_id: z.string(),
  secret: z.string(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
});
export const rotatedKeySchema = issuedKeySchema.extend({
  /** The key this one replaces, and until when that one still verifies. */
  replaces: z.string(),
  previous_valid_until: z.string(),
});

/** A key as listed: identifiers and state, never the secret. */
export const keySchema = z.object({
  id: z.string(),
  agent_id: z.string(),
  status: z.enum(SIGNING_KEY_STATUSES),
  created_by: z.string().nullable(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  replaced_by: z.string().nullable(),
});

export const policyBody = z
  .object({
    required: z.enum(SIGNING_REQUIREMENTS),
    actions: z.array(z.string().max(100).regex(ACTION, 'is not an action name')).max(100).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const some = (b.actions?.length ?? 0) > 0;
    if (b.required === 'actions' && !some)
      ctx.addIssue({ code: 'custom', path: ['actions'], message: "name at least one action for 'actions'" });
    if (b.required !== 'actions' && some)
      ctx.addIssue({ code: 'custom', path: ['actions'], message: "is only for required: 'actions'" });
  });
export type PolicyInput = z.infer<typeof policyBody>;

export const policySchema = z.object({
  agent_id: z.string(),
  required: z.enum(SIGNING_REQUIREMENTS),
  actions: z.array(z.string()),
  updated_by: z.string().nullable(),
  updated_at: z.string().nullable(),
});

/** What /v1/signing/check answers when the call passed. */
export const checkSchema = z.object({ ok: z.literal(true), key_id: z.string().nullable() });

/** Revoked beats expired beats rotating (replaced, still in its grace). */
export function statusOf(k: SigningKey, now: Date): SigningKeyStatus {
  if (k.revoked_at) return 'revoked';
  if (k.expires_at && k.expires_at <= now) return 'expired';
  return k.replaced_by ? 'rotating' : 'active';
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const presentKey = (k: SigningKey, now: Date) => ({
  id: k.id,
  agent_id: k.agent_id,
  status: statusOf(k, now),
  created_by: k.created_by,
  created_at: k.created_at.toISOString(),
  last_used_at: iso(k.last_used_at),
  expires_at: iso(k.expires_at),
  revoked_at: iso(k.revoked_at),
  replaced_by: k.replaced_by,
});

export interface IssuedKey {
  key: SigningKey;
  secret: string;
}

export const presentIssuedKey = ({ key, secret }: IssuedKey) => ({
  id: key.id,
  agent_id: key.agent_id,
  secret,
  created_at: key.created_at.toISOString(),
  expires_at: iso(key.expires_at),
});

/** An agent's policy; an agent nobody set one for has the default, signing optional. */
export interface SigningPolicy {
  required: SigningRequirement;
  actions: readonly string[];
  updatedBy: string | null;
  updatedAt: Date | null;
}

export const presentPolicy = (agentId: string, p: SigningPolicy) => ({
  agent_id: agentId,
  required: p.required,
  actions: [...p.actions],
  updated_by: p.updatedBy,
  updated_at: iso(p.updatedAt),
});
