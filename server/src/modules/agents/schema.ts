import { z } from 'zod';
import { pageQuery } from '../../platform/pagination.js';
import { idParam } from '../orgs/schema.js';
import { AGENT_STATUSES, type Agent, type AgentVersion } from './tables.js';

/** DNS-label shaped (as the migration checks), so names fit hostnames and did:web paths later. */
const AGENT_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ): printable ASCII but space, `"`, `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** Tool names as MCP and agent frameworks spell them, with `.`, `:` and `/` for namespaces. */
const TOOL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
export const TOKEN_TTL_SECONDS = { min: 60, max: 86_400, default: 900 } as const;
export const METADATA_MAX_BYTES = 16 * 1024;

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

export const agentNameSchema = z
  .string()
  .regex(AGENT_NAME, 'lowercase letters, digits and inner dashes, 1 to 63 characters');
const userId = z.string().regex(/^usr_[0-9a-z]{26}$/, 'must be a usr_ id');
const scopes = z
  .array(z.string().max(128).regex(SCOPE_TOKEN, 'is not a scope token (RFC 6749 §3.3)'))
  .max(100);
const ttl = z.number().int().min(TOKEN_TTL_SECONDS.min).max(TOKEN_TTL_SECONDS.max);
const metadata = z
  .record(z.string(), z.unknown())
  .refine((m) => jsonBytes(m) <= METADATA_MAX_BYTES, `must be at most ${METADATA_MAX_BYTES} bytes as JSON`);

/** A definition is replaced whole: each one is a complete, immutable version. */
export const definitionBody = z
  .object({
    instructions: z.string().max(65_536),
    model: z.string().trim().min(1).max(200),
    tools: z.array(z.string().regex(TOOL_NAME, 'is not a tool name')).max(128).default([]),
  })
  .strict();
export type Definition = z.infer<typeof definitionBody>;

export const createAgentBody = z
  .object({
    name: agentNameSchema,
    display_name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2000).optional(),
    owner: userId.optional(),
    allowed_scopes: scopes.optional(),
    token_ttl_seconds: ttl.optional(),
    metadata: metadata.optional(),
    definition: definitionBody.optional(),
  })
  .strict();
export type CreateAgentInput = z.infer<typeof createAgentBody>;

export const updateAgentBody = z
  .object({
    display_name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2000).optional(),
    owner: userId.optional(),
    // Archiving is DELETE (admin only), so PATCH (manager) can only suspend or reactivate.
    status: z.enum(['active', 'suspended']).optional(),
    allowed_scopes: scopes.optional(),
    token_ttl_seconds: ttl.optional(),
    metadata: metadata.optional(),
    definition: definitionBody.optional(),
  })
  .strict();
export type UpdateAgentInput = z.infer<typeof updateAgentBody>;

const agentFilters = z.object({
  /** Without it the list leaves archived agents out: archiving is the soft delete. */
  status: z.enum(AGENT_STATUSES).optional(),
  owner: userId.optional(),
  name_prefix: z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/, 'lowercase letters, digits and dashes')
    .optional(),
});
export type AgentFilters = z.infer<typeof agentFilters>;
export const listAgentsQuery = pageQuery.extend(agentFilters.shape).strict();

export const agentParams = idParam('agt');
export const versionParams = agentParams.extend({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 1),
});

export const versionSchema = z.object({
  id: z.string(),
  version: z.number(),
  instructions: z.string(),
  model: z.string(),
  tools: z.array(z.string()),
  created_by: z.string().nullable(),
  created_at: z.string(),
});
export const presentVersion = (v: AgentVersion) => ({
  id: v.id,
  version: v.version,
  instructions: v.instructions,
  model: v.model,
  tools: v.tools,
  created_by: v.created_by,
  created_at: v.created_at.toISOString(),
});

export const agentSchema = z.object({
  id: z.string(),
  name: z.string(),
  display_name: z.string(),
  description: z.string(),
  owner: z.string(),
  status: z.enum(AGENT_STATUSES),
  allowed_scopes: z.array(z.string()),
  token_ttl_seconds: z.number(),
  metadata: z.record(z.string(), z.unknown()),
  /** The current definition version, inline; null until one is given. */
  definition: versionSchema.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export const presentAgent = (a: Agent & { definition: AgentVersion | null }) => ({
  id: a.id,
  name: a.name,
  display_name: a.display_name,
  description: a.description,
  owner: a.owner_user_id,
  status: a.status,
  allowed_scopes: a.allowed_scopes,
  token_ttl_seconds: a.token_ttl_seconds,
  metadata: a.metadata,
  definition: a.definition ? presentVersion(a.definition) : null,
  created_at: a.created_at.toISOString(),
  updated_at: a.updated_at.toISOString(),
});
