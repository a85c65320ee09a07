import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import { type Ctx as AnyCtx, type Principal, userIdOf } from '../../platform/context.js';
import type { Db, Trx } from '../../platform/db/database.js';
import { notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { decodeCursor, toPage } from '../../platform/pagination.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AuditService } from '../audit/service.js';
import { resourceErrors as errors } from './errors.js';
import { createResourceLookup, lookupKey } from './lookup.js';
import { resourcesRepo as repo } from './repo.js';
import type { CreateResourceInput, UpdateResourceInput } from './schema.js';
import type { Resource } from './tables.js';
import { resourceUriProblem, sameUrl } from './uri.js';

type Ctx = AnyCtx<Principal>;

interface Deps {
  db: Db;
  store: EphemeralStore;
  clock: Clock;
  log: Logger;
  audit: AuditService;
  /** config.issuer: the default audience of every token, so it is never a registered resource. */
  issuer: string;
}

const UNIQUE_VIOLATION = '23505';

/**
 * Resource servers (RFC 8707 resource indicators) an org registers so that its agents may ask
 * for tokens with `aud` set to them; and, for the token endpoint, `isRegistered` from memory.
 */
export function createResourceService(deps: Deps) {
  const { db, clock, audit, issuer } = deps;
  const lookup = createResourceLookup(deps);

  const record = (trx: Trx, ctx: Ctx, r: Resource, action: string, details: Record<string, unknown> = {}) =>
    audit.recordBy(trx, ctx, action, { type: 'resource', id: r.id }, { uri: r.uri, ...details });

  // The schema checks the URI at the edge; this is for callers that are not routes.
  function assertUsable(uri: string) {
    const problem = resourceUriProblem(uri);
    if (problem) throw errors.invalidUri(problem);
    if (sameUrl(uri, issuer)) throw errors.isIssuer();
  }

  async function lockedOrThrow(trx: Trx, orgId: string, id: string) {
    const found = await repo.get(trx, orgId, id, { forUpdate: true });
    if (!found) throw notFound('Resource');
    return found;
  }

  return {
    async create(ctx: Ctx, input: CreateResourceInput): Promise<Resource> {
      assertUsable(input.uri);
      const orgId = ctx.principal.orgId;
      const now = clock.now();
      const created = await db.tenant(orgId, async (trx) => {
        if (await repo.idByUri(trx, orgId, input.uri)) throw errors.exists(input.uri);
        const row = await repo
          .insert(trx, {
            id: newId('res', now.getTime()),
            org_id: orgId,
            uri: input.uri,
            name: input.name,
            description: input.description ?? '',
            created_by: userIdOf(ctx.principal),
            created_at: now,
          })
          // Two creates racing past the check: the unique index decides, with the same answer.
          .catch((err: unknown) => {
            throw (err as { code?: string }).code === UNIQUE_VIOLATION ? errors.exists(input.uri) : err;
          });
        await record(trx, ctx, row, 'resource.created', { name: row.name });
        return row;
      });
      // A node may hold a recent miss for this URI: drop it everywhere, after the commit.
      await lookup.changed([lookupKey(orgId, created.uri)]);
      return created;
    },

    async list(ctx: Ctx, q: { limit: number; cursor?: string | undefined }) {
      const orgId = ctx.principal.orgId;
      const rows = await db.tenant(orgId, (trx) =>
        repo.list(trx, orgId, { after: decodeCursor(q.cursor), limit: q.limit + 1 }),
      );
      return toPage(rows, q.limit, (r) => r.id);
    },

    /** Another org's resource is as absent as a missing one (404). */
    async get(ctx: Ctx, id: string): Promise<Resource> {
      const orgId = ctx.principal.orgId;
      const found = await db.tenant(orgId, (trx) => repo.get(trx, orgId, id));
      if (!found) throw notFound('Resource');
      return found;
    },

    /** Name and description only; an unchanged resource is neither written nor audited. */
    async update(ctx: Ctx, id: string, input: UpdateResourceInput): Promise<Resource> {
      const orgId = ctx.principal.orgId;
      const { resource, changed } = await db.tenant(orgId, async (trx) => {
        const before = await lockedOrThrow(trx, orgId, id);
        const patch = Object.fromEntries(
          Object.entries(input).filter(([k, v]) => v !== undefined && v !== before[k as keyof Resource]),
        ) as UpdateResourceInput;
        const fields = Object.keys(patch);
        if (!fields.length) return { resource: before, changed: false };
        const after = await repo.update(trx, orgId, id, patch);
        await record(trx, ctx, after, 'resource.updated', { fields });
        return { resource: after, changed: true };
      });
      // The lookup caches presence only today; announcing keeps it right if it caches more.
      if (changed) await lookup.changed([lookupKey(orgId, resource.uri)]);
      return resource;
    },

    /** Tokens for the URI are refused from now on, on every node. */
    async remove(ctx: Ctx, id: string): Promise<void> {
      const orgId = ctx.principal.orgId;
      const removed = await db.tenant(orgId, async (trx) => {
        const row = await repo.delete(trx, orgId, id);
        if (!row) throw notFound('Resource');
        await record(trx, ctx, row, 'resource.deleted', { name: row.name });
        return row;
      });
      await lookup.changed([lookupKey(orgId, removed.uri)]);
    },

    /**
     * Whether `uri` is registered in the org, byte for byte. Answered from memory on the token
     * hot path; a change on any node is seen at once (within a lost pub/sub message's TTL).
     */
    isRegistered: lookup.isRegistered,

    /** Subscribes this node to resource changes made on any node; call once at start. */
    start: () => lookup.start(),
    stop: () => lookup.stop(),
    lookup,
  };
}
export type ResourceService = ReturnType<typeof createResourceService>;
