import { z } from 'zod';
import { idParam } from '../orgs/schema.js';
import type { InitialAccessToken, RegistrationSettings } from './tables.js';

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** How long an initial access token lives when none is asked for, and at most. */
export const TOKEN_TTL_DAYS = { default: 7, max: 365 } as const;
export const TOKEN_STATUSES = ['active', 'expired', 'used_up', 'revoked'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

export const settingsBody = z
  .object({
    enabled: z.boolean(),
    default_scopes: z
      .array(z.string().max(128).regex(SCOPE_TOKEN, 'is not a scope token (RFC 6749 §3.3)'))
      .max(100),
  })
  .strict();
export type SettingsInput = z.infer<typeof settingsBody>;

export const settingsSchema = z.object({
  enabled: z.boolean(),
  default_scopes: z.array(z.string()),
  /** Null until an admin first changes the setting. */
  updated_at: z.string().nullable(),
});
export const presentSettings = (
  s: Pick<RegistrationSettings, 'enabled' | 'default_scopes'> & { updated_at: Date | null },
) => ({
  enabled: s.enabled,
  default_scopes: s.default_scopes,
  updated_at: s.updated_at?.toISOString() ?? null,
});

// The body may be left out (Fastify then gives null): the defaults apply.
export const createTokenBody = z
  .object({
    expires_at: z.iso.datetime({ offset: true }).optional(),
    max_uses: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict()
  .nullish()
  .transform((body) => body ?? {});
export type CreateTokenInput = z.infer<typeof createTokenBody>;

export const tokenParams = idParam('iat');

/** An initial access token as listed: its limits and state, never the token or its hash. */
export const tokenSchema = z.object({
  id: z.string(),
  status: z.enum(TOKEN_STATUSES),
  expires_at: z.string(),
  max_uses: z.number().nullable(),
  uses: z.number(),
  created_by: z.string().nullable(),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});
/** The answer to create: the only place the token ever appears. */
export const createdTokenSchema = tokenSchema.extend({ token: z.string() });

/** Revoked beats expired beats used up. */
export function tokenStatus(t: InitialAccessToken, now: Date): TokenStatus {
  if (t.revoked_at) return 'revoked';
  if (t.expires_at <= now) return 'expired';
  if (t.max_uses !== null && t.uses >= t.max_uses) return 'used_up';
  return 'active';
}

export const presentToken = (t: InitialAccessToken & { status: TokenStatus }) => ({
  id: t.id,
  status: t.status,
  expires_at: t.expires_at.toISOString(),
  max_uses: t.max_uses,
  uses: t.uses,
  created_by: t.created_by,
  created_at: t.created_at.toISOString(),
  revoked_at: t.revoked_at?.toISOString() ?? null,
});
