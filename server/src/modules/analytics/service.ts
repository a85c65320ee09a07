import type { Clock } from '../../platform/clock.js';
import type { Ctx, Principal } from '../../platform/context.js';
import type { Db } from '../../platform/db/database.js';
import { badRequest } from '../../platform/errors.js';
import { type Range, analyticsRepo as repo } from './repo.js';
import type { Interval, RangeQuery, TokensQuery } from './schema.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/** Default and longest range per bucket size: a range is at most ~750 buckets per agent. */
const SPANS: Record<Interval | 'any', { defaultMs: number; maxMs: number; max: string }> = {
  hour: { defaultMs: DAY_MS, maxMs: 31 * DAY_MS, max: '31 days' },
  day: { defaultMs: 30 * DAY_MS, maxMs: 366 * DAY_MS, max: '366 days' },
  any: { defaultMs: 30 * DAY_MS, maxMs: 366 * DAY_MS, max: '366 days' },
};

/** `from`/`to` with their defaults, refused when empty, reversed or longer than the span allows. */
function rangeOf(
  q: { from?: string | undefined; to?: string | undefined },
  now: Date,
  span: Interval | 'any',
) {
  const { defaultMs, maxMs, max } = SPANS[span];
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - defaultMs);
  if (from >= to) {
    throw badRequest('invalid_range', '`from` must be before `to`', [
      { field: 'querystring.from', message: 'must be before to' },
    ]);
  }
  if (to.getTime() - from.getTime() > maxMs) {
    throw badRequest('range_too_long', `The range is longer than ${max}`, [
      { field: 'querystring.from', message: `must be at most ${max} before to` },
    ]);
  }
  return { from, to };
}

const span = (r: Range) => ({ from: r.from.toISOString(), to: r.to.toISOString() });

/** Groups rows sorted by agent into one entry per agent. */
function byAgent<R extends { agent_id: string }, T>(rows: R[], item: (row: R) => T) {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const list = groups.get(row.agent_id) ?? [];
    list.push(item(row));
    groups.set(row.agent_id, list);
  }
  return [...groups];
}

/** Usage analytics over the org's audit log: what agents did, when, and what was refused. */
export function createAnalyticsService({ db, clock }: { db: Db; clock: Clock }) {
  return {
    /** Tokens issued per agent per bucket; buckets without a token are left out. */
    async tokens(ctx: Ctx<Principal>, q: TokensQuery) {
      const orgId = ctx.principal.orgId;
      const range = rangeOf(q, clock.now(), q.interval);
      const rows = await db.tenant(orgId, (trx) => repo.tokensIssued(trx, orgId, range, q.interval, q.agent));
      const series = byAgent(rows, (r) => ({ at: r.at.toISOString(), count: r.count }));
      return {
        interval: q.interval,
        ...span(range),
        series: series.map(([agent_id, points]) => ({ agent_id, points })),
      };
    },

    /** Per agent: how many records it caused by day of week and hour of day (UTC); empty cells left out. */
    async activity(ctx: Ctx<Principal>, q: RangeQuery) {
      const orgId = ctx.principal.orgId;
      const range = rangeOf(q, clock.now(), 'any');
      const rows = await db.tenant(orgId, (trx) => repo.agentActivity(trx, orgId, range));
      const agents = byAgent(rows, ({ dow, hour, count }) => ({ dow, hour, count }));
      return { ...span(range), agents: agents.map(([agent_id, cells]) => ({ agent_id, cells })) };
    },

    /** Records with outcome failure, by action and reason (details.error), most frequent first. */
    async denials(ctx: Ctx<Principal>, q: RangeQuery) {
      const orgId = ctx.principal.orgId;
      const range = rangeOf(q, clock.now(), 'any');
      const reasons = await db.tenant(orgId, (trx) => repo.denials(trx, orgId, range));
      return { ...span(range), reasons };
    },
  };
}
export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
