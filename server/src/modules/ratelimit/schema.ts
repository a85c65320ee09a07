import { z } from 'zod';

/** Requests per minute: at least one (suspend an agent to stop it), at most a million. */
export const RPM = { min: 1, max: 1_000_000 } as const;
const rpm = z.number().int().min(RPM.min).max(RPM.max);

export const LIMIT_SOURCES = ['agent', 'org', 'server'] as const;
export type LimitSource = (typeof LIMIT_SOURCES)[number];

export const orgRateLimitsBody = z
  .object({
    /** Null: back to the server default. */
    agent_rpm: rpm.nullable(),
  })
  .strict();
export type OrgRateLimitsInput = z.infer<typeof orgRateLimitsBody>;

export const orgRateLimitsSchema = z.object({
  agent_rpm: z.number().nullable(),
  server_default_agent_rpm: z.number(),
  effective_agent_rpm: z.number(),
  updated_at: z.string().nullable(),
});

export const agentRateLimitBody = z
  .object({
    /** Null: the agent follows the org default again. */
    rate_limit_rpm: rpm.nullable(),
  })
  .strict();
export type AgentRateLimitInput = z.infer<typeof agentRateLimitBody>;

export const agentRateLimitSchema = z.object({
  agent_id: z.string(),
  rate_limit_rpm: z.number().nullable(),
  effective_rpm: z.number(),
  source: z.enum(LIMIT_SOURCES),
  updated_at: z.string().nullable(),
});
