import { z } from 'zod';
import { idParam } from '../orgs/schema.js';
import { jwkProblem, jwksUriProblem } from './jwks.js';
import { CREDENTIAL_TYPES, type Credential, type CredentialType } from './tables.js';

export const JWKS_MAX_BYTES = 32 * 1024;
export const GRACE_SECONDS = { max: 7 * 24 * 3600, default: 3600 } as const;
export const CREDENTIAL_STATUSES = ['active', 'rotating', 'expired', 'revoked'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

const jwk = z.record(z.string(), z.unknown()).superRefine((key, ctx) => {
  const problem = jwkProblem(key);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const jwks = z
  .object({ keys: z.array(jwk).min(1).max(10) })
  .refine((set) => JSON.stringify(set).length <= JWKS_MAX_BYTES, `must be at most ${JWKS_MAX_BYTES} bytes`);
const jwksUri = z
  .string()
  .max(2000)
  .superRefine((uri, ctx) => {
    const problem = jwksUriProblem(uri);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const expiresAt = z.iso.datetime({ offset: true }).optional();

export const createCredentialBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('client_secret'), expires_at: expiresAt }).strict(),
  z.object({ type: z.literal('api_key'), expires_at: expiresAt }).strict(),
  z
    .object({
      type: z.literal('private_key_jwt'),
      expires_at: expiresAt,
      jwks: jwks.optional(),
      jwks_uri: jwksUri.optional(),
    })
    .strict()
    .refine((b) => (b.jwks === undefined) !== (b.jwks_uri === undefined), {
      message: 'give either jwks or jwks_uri',
      path: ['jwks'],
    }),
]);
export type CreateCredentialInput = z.infer<typeof createCredentialBody>;

// The body may be left out (Fastify then gives null): the default grace applies.
export const rotateBody = z
  .object({
    grace_seconds: z.number().int().min(0).max(GRACE_SECONDS.max).default(GRACE_SECONDS.default),
  })
  .strict()
  .nullish()
  .transform((body) => body ?? { grace_seconds: GRACE_SECONDS.default });

export const agentParams = idParam('agt');
export const credentialParams = agentParams.extend({
  cid: z.string().regex(/^crd_[0-9a-z]{26}$/, 'must be a crd_ id'),
});

/** The answer to create and rotate: the only place a secret ever appears. */
export const issuedSchema = z.object({
  id: z.string(),
  type: z.enum(CREDENTIAL_TYPES),
  client_id: z.string().optional(),
  key_prefix: z.string().optional(),
  client_secret: z.string().optional(),
  api_key: z.string().optional(),
  expires_at: z.string().nullable(),
  created_at: z.string(),
});
export const rotatedSchema = issuedSchema.extend({
  /** Until when the previous secret still works. */
  previous_valid_until: z.string(),
});

/** A credential as listed: identifiers and state, never a secret or a hash. */
export const credentialSchema = z.object({
  id: z.string(),
  agent_id: z.string(),
  type: z.enum(CREDENTIAL_TYPES),
  client_id: z.string().nullable(),
  key_prefix: z.string().nullable(),
  jwks_uri: z.string().nullable(),
  status: z.enum(CREDENTIAL_STATUSES),
  created_by: z.string().nullable(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  previous_valid_until: z.string().nullable(),
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const presentCredential = (c: Credential & { status: CredentialStatus }) => ({
  id: c.id,
  agent_id: c.agent_id,
  type: c.type,
  client_id: c.client_id,
  key_prefix: c.key_prefix,
  jwks_uri: c.jwks_uri,
  status: c.status,
  created_by: c.created_by,
  created_at: c.created_at.toISOString(),
  last_used_at: iso(c.last_used_at),
  expires_at: iso(c.expires_at),
  revoked_at: iso(c.revoked_at),
  previous_valid_until: c.status === 'rotating' ? iso(c.previous_valid_until) : null,
});

/** A credential with the secret made for it (none for private_key_jwt). */
export interface Issued {
  credential: Credential;
  secret?: string;
}

const secretField: Record<CredentialType, 'client_secret' | 'api_key' | undefined> = {
  client_secret: 'client_secret',
  api_key: 'api_key',
  private_key_jwt: undefined,
};

export function presentIssued({ credential: c, secret }: Issued) {
  const field = secretField[c.type];
  return {
    id: c.id,
    type: c.type,
    ...(c.client_id ? { client_id: c.client_id } : {}),
    ...(c.key_prefix ? { key_prefix: c.key_prefix } : {}),
    ...(field && secret ? { [field]: secret } : {}),
    expires_at: iso(c.expires_at),
    created_at: c.created_at.toISOString(),
  };
}

export function presentRotated(issued: Issued) {
  const until = issued.credential.previous_valid_until;
  if (!until) throw new Error('a rotated credential has previous_valid_until');
  return { ...presentIssued(issued), previous_valid_until: until.toISOString() };
}
