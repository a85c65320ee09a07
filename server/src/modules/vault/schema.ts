import { z } from 'zod';
import { pageQuery } from '../../platform/pagination.js';
import { idParam } from '../orgs/schema.js';
import { authInput, authPatch } from './auth.js';
import { cidrEntryProblem, hostEntryProblem } from './egress.js';
import { AUTH_TYPES, INTEGRATION_STATUSES, type Integration, type IntegrationGrant } from './tables.js';

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const name = z.string().regex(NAME, 'must be lower-case letters, digits and dashes (a DNS label)');
const displayName = z.string().trim().min(1).max(200);
const description = z.string().max(2000);
/** https, or http (which only hosts on the egress allowlist accept); no user info, query or fragment. */
const baseUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2000)
  .refine((u) => {
    const url = new URL(u);
    return !url.username && !url.password && !url.search && !url.hash;
  }, 'must not carry user info, a query or a fragment');
const rateLimit = z.number().int().min(1).max(1_000_000);

export const createIntegrationBody = z
  .object({
    name,
    display_name: displayName.optional(),
    description: description.optional(),
    base_url: baseUrl,
    auth: authInput,
    rate_limit_rpm: rateLimit.nullish(),
    status: z.enum(INTEGRATION_STATUSES).optional(),
  })
  .strict();
export type CreateIntegrationInput = z.infer<typeof createIntegrationBody>;

export const updateIntegrationBody = z
  .object({
    name: name.optional(),
    display_name: displayName.optional(),
    description: description.optional(),
    base_url: baseUrl.optional(),
    auth: authPatch.optional(),
    rate_limit_rpm: rateLimit.nullish(),
    status: z.enum(INTEGRATION_STATUSES).optional(),
  })
  .strict();
export type UpdateIntegrationInput = z.infer<typeof updateIntegrationBody>;

/** The stored base URL: the URL as parsed, without a trailing slash; the gateway appends paths. */
export const normalizeBaseUrl = (u: string) => new URL(u).href.replace(/\/+$/, '');

export const integrationParams = idParam('int');
const agentId = z.string().regex(/^agt_[0-9a-z]{26}$/, 'must be an agt_ id');
export const grantParams = integrationParams.extend({ agent_id: agentId });
export const agentParams = z.object({ id: agentId });
export const listQuery = pageQuery.strict();

export const integrationSchema = z.object({
  id: z.string(),
  name: z.string(),
  display_name: z.string(),
  description: z.string(),
  base_url: z.string(),
  // Metadata only: the credential is write-only, and this schema (which the serializer applies)
  // has no field that could carry it.
  auth: z.object({
    type: z.enum(AUTH_TYPES),
    in: z.enum(['header', 'query']).optional(),
    name: z.string().optional(),
    username: z.string().optional(),
    token_url: z.string().optional(),
    client_id: z.string().optional(),
    scope: z.string().optional(),
    audience: z.string().optional(),
    client_auth: z.enum(['basic', 'post']).optional(),
    credential_set: z.boolean(),
    credential_updated_at: z.string(),
  }),
  rate_limit_rpm: z.number().nullable(),
  status: z.enum(INTEGRATION_STATUSES),
  created_by: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export function presentIntegration(i: Integration) {
  const m = i.auth_meta;
  // Field by field from the metadata, so nothing else stored there could ever leak out.
  const pick = <K extends keyof typeof m>(k: K) => (m[k] !== undefined ? { [k]: m[k] } : {});
  return {
    id: i.id,
    name: i.name,
    display_name: i.display_name,
    description: i.description,
    base_url: i.base_url,
    auth: {
      type: i.auth_type,
      ...pick('in'),
      ...pick('name'),
      ...pick('username'),
      ...pick('token_url'),
      ...pick('client_id'),
      ...pick('scope'),
      ...pick('audience'),
      ...pick('client_auth'),
      // Every auth method needs a credential and an integration is created with it.
      credential_set: true,
      credential_updated_at: i.credential_updated_at.toISOString(),
    },
    rate_limit_rpm: i.rate_limit_rpm,
    status: i.status,
    created_by: i.created_by,
    created_at: i.created_at.toISOString(),
    updated_at: i.updated_at.toISOString(),
  };
}

export const grantSchema = z.object({
  integration_id: z.string(),
  agent_id: z.string(),
  created_by: z.string().nullable(),
  created_at: z.string(),
});

export const presentGrant = (g: IntegrationGrant) => ({
  integration_id: g.integration_id,
  agent_id: g.agent_id,
  created_by: g.created_by,
  created_at: g.created_at.toISOString(),
});

const lowerHost = z
  .string()
  .trim()
  .toLowerCase()
  .superRefine((v, ctx) => {
    const problem = hostEntryProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const cidr = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    const problem = cidrEntryProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const egressBody = z
  .object({
    hosts: z.array(lowerHost).max(500),
    allow_private: z.array(cidr).max(100).default([]),
  })
  .strict();
export type EgressInput = z.infer<typeof egressBody>;

export const egressSchema = z.object({
  hosts: z.array(z.string()),
  allow_private: z.array(z.string()),
  updated_by: z.string().nullable(),
  updated_at: z.string().nullable(),
});
