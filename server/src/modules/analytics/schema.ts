import { z } from 'zod';

const time = z.iso.datetime({ offset: true });
const from = time.optional().describe('at or after this time (ISO 8601)');
const to = time.optional().describe('before this time (ISO 8601; default now)');

export const INTERVALS = ['hour', 'day'] as const;
export type Interval = (typeof INTERVALS)[number];

export const tokensQuery = z
  .object({
    interval: z.enum(INTERVALS).default('hour'),
    from: from.describe('at or after this time (default: 24 h before `to` by hour, 30 days by day)'),
    to,
    agent: z.string().max(100).optional().describe('only this agent (the tokens it was issued)'),
  })
  .strict();
export type TokensQuery = z.infer<typeof tokensQuery>;

export const rangeQuery = z
  .object({ from: from.describe('at or after this time (default: 30 days before `to`)'), to })
  .strict();
export type RangeQuery = z.infer<typeof rangeQuery>;

export const tokensSchema = z.object({
  interval: z.enum(INTERVALS),
  from: z.string(),
  to: z.string(),
  series: z.array(
    z.object({
      agent_id: z.string(),
      points: z.array(z.object({ at: z.string(), count: z.number().int() })),
    }),
  ),
});

export const activitySchema = z.object({
  from: z.string(),
  to: z.string(),
  agents: z.array(
    z.object({
      agent_id: z.string(),
      cells: z.array(
        z.object({
          dow: z.number().int().min(0).max(6).describe('day of week in UTC, 0 = Sunday'),
          hour: z.number().int().min(0).max(23).describe('hour of day in UTC'),
          count: z.number().int(),
        }),
      ),
    }),
  ),
});

export const denialsSchema = z.object({
  from: z.string(),
  to: z.string(),
  reasons: z.array(
    z.object({
      action: z.string(),
      reason: z.string().nullable().describe('details.error of the record; null when it has none'),
      count: z.number().int(),
    }),
  ),
});
