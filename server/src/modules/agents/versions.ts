import type { Ctx, Principal } from '../../platform/context.js';
import type { Db, Trx } from '../../platform/db/database.js';
import { notFound } from '../../platform/errors.js';
import { decodeCursor, toPage } from '../../platform/pagination.js';
import { agentsRepo as repo } from './repo.js';

/** Reading an agent's definition history. Versions are written only by the agent service. */
export function createVersionQueries(db: Db) {
  /** Another org's agent is as absent as a missing one: 404 either way. */
  async function assertAgent(trx: Trx, orgId: string, agentId: string) {
    if (!(await repo.get(trx, orgId, agentId))) throw notFound('Agent');
  }

  return {
    /** Newest first, paginated. */
    listVersions: (ctx: Ctx<Principal>, agentId: string, q: { limit: number; cursor?: string | undefined }) =>
      db.tenant(ctx.principal.orgId, async (trx) => {
        const orgId = ctx.principal.orgId;
        await assertAgent(trx, orgId, agentId);
        const before = decodeCursor(q.cursor);
        const rows = await repo.listVersions(trx, orgId, agentId, { before, limit: q.limit + 1 });
        return toPage(rows, q.limit, (v) => v.id);
      }),

    getVersion: (ctx: Ctx<Principal>, agentId: string, version: number) =>
      db.tenant(ctx.principal.orgId, async (trx) => {
        const orgId = ctx.principal.orgId;
        await assertAgent(trx, orgId, agentId);
        const found = await repo.getVersion(trx, orgId, agentId, version);
        if (!found) throw notFound('Version');
        return found;
      }),
  };
}
