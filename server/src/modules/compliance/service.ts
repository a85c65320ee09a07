import type { Clock } from '../../platform/clock.js';
import { actorOf, type Ctx, type Principal } from '../../platform/context.js';
import type { Db } from '../../platform/db/database.js';
import type { AuditReader } from '../audit/reader.js';
import type { AuditService } from '../audit/service.js';
import { type Policy, runControls } from './controls.js';
import { passwordRules, readOrgFacts } from './facts.js';
import type { ComplianceReport } from './schema.js';

/** How long a report is answered from memory before it is computed again. */
export const REPORT_CACHE_MS = 30_000;

interface Deps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  auditReader: Pick<AuditReader, 'verify'>;
  policy: Policy;
}

/**
 * The compliance report: controls judged against the org's live state and its audit chain.
 * Reports are kept per org on this node for REPORT_CACHE_MS (verification reads the whole
 * chain), and requests arriving while one is computed share it.
 */
export function createComplianceService({ db, clock, audit, auditReader, policy }: Deps) {
  const cache = new Map<string, { expiresAt: number; report: Promise<ComplianceReport> }>();

  async function compute(ctx: Ctx<Principal>): Promise<ComplianceReport> {
    const orgId = ctx.principal.orgId;
    const now = clock.now();
    const [facts, chain, passwords] = await Promise.all([
      db.tenant(orgId, (trx) => readOrgFacts(trx, orgId, now)),
      auditReader.verify(ctx, {}),
      passwordRules(),
    ]);
    const controls = runControls({ now, policy, facts, chain, passwords });
    const failed = controls.filter((c) => c.status === 'fail');
    const report = {
      org_id: orgId,
      generated_at: now.toISOString(),
      summary: { passed: controls.filter((c) => c.status === 'pass').length, failed: failed.length },
      controls,
    };
    await db.tenant(orgId, (trx) =>
      audit.record(trx, {
        orgId,
        actor: actorOf(ctx.principal),
        action: 'compliance.report_generated',
        target: { type: 'org', id: orgId },
        meta: ctx.meta,
        // Not `passed`: the redactor takes keys that look like passwords.
        details: { controls: controls.length, failed: failed.length, failing: failed.map((c) => c.id) },
      }),
    );
    return report;
  }

  return {
    /** The org's report: the cached one unless `fresh` or expired. */
    report(ctx: Ctx<Principal>, opts: { fresh: boolean }): Promise<ComplianceReport> {
      const orgId = ctx.principal.orgId;
      const now = clock.now().getTime();
      const hit = cache.get(orgId);
      if (hit && hit.expiresAt > now && !opts.fresh) return hit.report;
      for (const [key, entry] of cache) if (entry.expiresAt <= now) cache.delete(key);
      const report = compute(ctx);
      const entry = { expiresAt: now + REPORT_CACHE_MS, report };
      cache.set(orgId, entry);
      // A failure is not cached: the next request tries again.
      report.catch(() => {
        if (cache.get(orgId) === entry) cache.delete(orgId);
      });
      return report;
    },
  };
}
export type ComplianceService = ReturnType<typeof createComplianceService>;
