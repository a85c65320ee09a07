import {
  type ActClaim,
  actorOf,
  type Ctx,
  type Principal,
  type RequestMeta,
} from '../../platform/context.js';
import type { Db, Trx } from '../../platform/db/database.js';
import { appendChained, createChainWriter } from './chain.js';

/** The delegation chain of an actor that acted for someone: RFC 8693's `act`, with its subject. */
export interface ActorChain {
  sub: string;
  act: ActClaim;
}

export interface AuditEvent {
  orgId: string | null;
  actor: {
    type: 'user' | 'agent' | 'system' | 'anonymous';
    id: string | null;
    /** Present when the actor acted for someone (a delegated token). */
    chain?: ActorChain;
  };
  /** A dotted name from the catalogue in docs/audit.md, e.g. `user.login`. */
  action: string;
  target?: { type: string; id: string };
  outcome?: 'success' | 'failure';
  meta?: RequestMeta;
  details?: Record<string, unknown>;
  /** Only when chaining a record made before the chain existed: its own id and time. */
  original?: { id: string; at: Date };
}

/**
 * `record` is how every module writes the audit log: inside the caller's transaction, so an
 * action and its record commit together or not at all, chained onto the org's log.
 */
export function createAuditService({ db }: { db: Db }) {
  // Embedded, a batch is chained and written on the storage thread, beside PGlite, where its
  // statement does not cross threads. On PostgreSQL it is written from here: the database does
  // its share in its own process, and a thread of ours would cost more in messages than it saves.
  const { storage } = db;
  const appendBatch = storage
    ? (events: readonly AuditEvent[]) => storage.run('audit.append', events)
    : createChainWriter(db.system);
  return {
    async record(trx: Trx, event: AuditEvent): Promise<void> {
      await appendChained(trx, [event]);
    },

    /** What `ctx`'s principal did to `target`, from the request `ctx` carries, in the caller's transaction. */
    async recordBy(
      trx: Trx,
      ctx: Ctx<Principal>,
      action: string,
      target: { type: string; id: string },
      details: Record<string, unknown> = {},
    ): Promise<void> {
      await appendChained(trx, [
        {
          orgId: ctx.principal.orgId,
          actor: actorOf(ctx.principal),
          action,
          target,
          meta: ctx.meta,
          details,
        },
      ]);
    },

    /** Several events in the caller's transaction, in order. */
    async recordMany(trx: Trx, events: readonly AuditEvent[]): Promise<void> {
      await appendChained(trx, events);
    },

    /** A batch committed on its own, atomically, in one statement (the group commit's). */
    async commitBatch(events: readonly AuditEvent[]): Promise<void> {
      await appendBatch(events);
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
