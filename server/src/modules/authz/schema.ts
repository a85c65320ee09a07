import { z } from 'zod';
import { idParam } from '../orgs/schema.js';
import { CAPABILITIES, RESOURCE_TYPES } from './catalogue.js';

export const capability = z.enum(CAPABILITIES);
export const agentParams = idParam('agt');
export const skillParams = agentParams.extend({ capability });
export const capabilityParams = z.object({ capability });
export const versionParams = z.object({ version: z.coerce.number().int().positive() });

export const grantSkillBody = z
  .object({
    capability,
    note: z.string().max(500).optional(),
    expires_at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export const skillSchema = z.object({
  capability: z.string(),
  note: z.string(),
  granted_by: z.string().nullable(),
  granted_at: z.string(),
  expires_at: z.string().nullable(),
  live: z.boolean(),
});

export const attributesBody = z
  .object({
    tags: z
      .array(
        z
          .string()
          .min(1)
          .max(64)
          .regex(/^[\w.:-]+$/, 'letters, digits, _ . : - only'),
      )
      .max(50),
    trust_score: z.number().int().min(0).max(100),
  })
  .strict();

export const holderSchema = z.object({
  agent_id: z.string(),
  name: z.string(),
  trust_score: z.number(),
  tags: z.array(z.string()),
  granted_at: z.string(),
  expires_at: z.string().nullable(),
});

export const catalogueSchema = z.object({
  capabilities: z.array(z.string()),
  actions: z.array(
    z.object({ name: z.string(), capability: z.string(), resource: z.string(), description: z.string() }),
  ),
  resource_types: z.array(z.string()),
});

export const policySummary = z.array(z.object({ id: z.string(), effect: z.enum(['permit', 'forbid']) }));

export const currentPoliciesSchema = z.object({
  version: z.number(),
  text: z.string(),
  policies: policySummary,
});

export const policyVersionSchema = z.object({
  version: z.number(),
  text: z.string(),
  note: z.string(),
  created_by: z.string().nullable(),
  created_at: z.string(),
  policies: policySummary,
});

export const savePoliciesBody = z
  .object({
    text: z
      .string()
      .min(1)
      .max(256 * 1024),
    note: z.string().max(500).optional(),
  })
  .strict();

const resource = z
  .object({
    type: z.enum(RESOURCE_TYPES),
    id: z.string().min(1).max(200),
    name: z.string().max(200).optional(),
    tags: z.array(z.string().max(64)).max(50).optional(),
  })
  .strict();

const context = z
  .object({
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    method: z
      .string()
      .regex(/^[A-Za-z]{1,16}$/)
      .optional(),
    path: z.string().max(2048).optional(),
  })
  .strict();

export const simulateBody = z
  .object({
    agent_id: z.string().regex(/^agt_[0-9a-z]{26}$/, 'must be an agt_ id'),
    action: z.string().min(1).max(100),
    resource,
    context: context.optional(),
    /** A draft policy set to decide with instead of the one in force. */
    policies: z
      .string()
      .min(1)
      .max(256 * 1024)
      .optional(),
  })
  .strict();

export const checkBody = z
  .object({
    token: z.string().min(1).max(8192).optional(),
    agent_id: z
      .string()
      .regex(/^agt_[0-9a-z]{26}$/, 'must be an agt_ id')
      .optional(),
    action: z.string().min(1).max(100),
    resource,
    context: context.optional(),
  })
  .strict()
  .refine((b) => (b.token === undefined) !== (b.agent_id === undefined), {
    message: 'give either token or agent_id',
    path: ['token'],
  });

export const decisionSchema = z.object({
  allowed: z.boolean(),
  action: z.string(),
  capability: z.string().nullable(),
  reasons: z.array(z.string()),
  policies: z.array(z.string()),
  policy_version: z.number().nullable(),
  cached: z.boolean(),
});
