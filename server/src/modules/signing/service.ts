import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import { type Ctx as AnyCtx, actorOf, type Principal, userIdOf } from '../../platform/context.js';
import { randomSecret, seal } from '../../platform/crypto.js';
import type { Db, Trx } from '../../platform/db/database.js';
import { notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { decodeCursor, toPage } from '../../platform/pagination.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AgentService } from '../agents/service.js';
import type { AuditService } from '../audit/service.js';
import { signingErrors as errors } from './errors.js';
import { signingRepo as repo } from './repo.js';
import {
  type IssuedKey,
  MAX_LIVE_KEYS,
  type PolicyInput,
  presentKey,
  presentPolicy,
  statusOf,
} from './schema.js';
import type { SigningKey } from './tables.js';
import { createCommandVerifier, keyCacheKey, policyCacheKey, policyOfRow } from './verify.js';

type Ctx = AnyCtx<Principal>;

export type { CommandRequest, VerifiedCommand } from './verify.js';

/** A signing secret: 256 random bits, base64url; the prefix lets secret scanners recognise a leak. */
export const newSigningSecret = () => randomSecret('ghsig_');

interface Deps {
  db: Db;
  store: EphemeralStore;
  clock: Clock;
  log: Logger;
  audit: AuditService;
  agents: Pick<AgentService, 'getRecord'>;
  /** deriveKey(masterKey, 'command-signing/v1'): seals each secret, bound to its key id. */
  sealKey: Buffer;
}

/**
 * Command signing: agents' HMAC signing keys (the secret is returned once and kept sealed, since
 * verifying an HMAC needs it), rotation with a grace for the replaced key, revocation, each
 * agent's signing policy, and verifyCommand for the routes and the gateway (verify.ts).
 */
export function createSigningService(deps: Deps) {
  const { db, clock, audit, agents, sealKey } = deps;
  const verifier = createCommandVerifier(deps);

  const record = (trx: Trx, ctx: Ctx, k: SigningKey, action: string, details: Record<string, unknown> = {}) =>
    audit.recordBy(
      trx,
      ctx,
      action,
      { type: 'command_signing_key', id: k.id },
      { agent_id: k.agent_id, ...details },
    );

  /** Through the agents service: another org's agent is as absent as a missing one (404). */
  async function agentOf(ctx: Ctx, agentId: string, opts: { notArchived?: boolean } = {}) {
    const agent = await agents.getRecord(ctx.principal.orgId, agentId);
    if (!agent) throw notFound('Agent');
    if (opts.notArchived && agent.status === 'archived') throw errors.agentArchived();
    return agent;
  }

  async function lockedOrThrow(trx: Trx, ctx: Ctx, agentId: string, id: string) {
    const found = await repo.getKey(trx, ctx.principal.orgId, agentId, id, { forUpdate: true });
    if (!found) throw notFound('Signing key');
    return found;
  }

  /** A new key row with its sealed secret; the id is made first because the seal is bound to it. */
  async function insertKey(trx: Trx, ctx: Ctx, agentId: string, now: Date, expiresAt: Date | null) {
    const id = newId('csk', now.getTime());
    const secret = newSigningSecret();
    const key = await repo.insertKey(trx, {
      id,
      org_id: ctx.principal.orgId,
      agent_id: agentId,
      secret_sealed: seal(sealKey, Buffer.from(secret, 'utf8'), id),
      created_by: userIdOf(ctx.principal),
      created_at: now,
      expires_at: expiresAt,
    });
    return { key, secret };
  }

  return {
    /** A new signing key for an agent that is not archived, at most MAX_LIVE_KEYS live at once. */
    async create(ctx: Ctx, agentId: string, input: { expires_at: string | null }): Promise<IssuedKey> {
      await agentOf(ctx, agentId, { notArchived: true });
      const orgId = ctx.principal.orgId;
      const now = clock.now();
      const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
      if (expiresAt && expiresAt <= now) throw errors.expiresInPast();
      const issued = await db.tenant(orgId, async (trx) => {
        // A soft bound against runaway scripts: two creations at the same instant may pass it by one.
        if ((await repo.countLive(trx, orgId, agentId, now)) >= MAX_LIVE_KEYS)
          throw errors.tooMany(MAX_LIVE_KEYS);
        const made = await insertKey(trx, ctx, agentId, now, expiresAt);
        await record(trx, ctx, made.key, 'signing_key.created', {
          expires_at: expiresAt?.toISOString() ?? null,
        });
        return made;
      });
      // Misses are cached: a node that was asked for this key id before must look again.
      await verifier.keys.changed([keyCacheKey(issued.key)]);
      return issued;
    },

    /** The agent's keys in creation order, presented with their status now; never a secret. */
    async list(ctx: Ctx, agentId: string, q: { limit: number; cursor?: string | undefined }) {
      await agentOf(ctx, agentId);
      const orgId = ctx.principal.orgId;
      const rows = await db.tenant(orgId, (trx) =>
        repo.listKeys(trx, orgId, agentId, { after: decodeCursor(q.cursor), limit: q.limit + 1 }),
      );
      const page = toPage(rows, q.limit, (k) => k.id);
      const now = clock.now();
      return { ...page, items: page.items.map((k) => presentKey(k, now)) };
    },

    /**
     * A new key replacing this one, which keeps verifying for `graceSeconds` more (0: not at
     * all). Only the newest key of a line can be rotated, so at most two of the line work at once.
     */
    async rotate(ctx: Ctx, agentId: string, id: string, graceSeconds: number) {
      await agentOf(ctx, agentId, { notArchived: true });
      const orgId = ctx.principal.orgId;
      const result = await db.tenant(orgId, async (trx) => {
        const before = await lockedOrThrow(trx, ctx, agentId, id);
        const now = clock.now();
        const status = statusOf(before, now);
        if (status === 'revoked') throw errors.revoked();
        if (status === 'expired') throw errors.expired();
        if (before.replaced_by) throw errors.replaced();
        const made = await insertKey(trx, ctx, agentId, now, null);
        const graceEnd = new Date(now.getTime() + graceSeconds * 1000);
        // An earlier expiry stands: rotation never lengthens a key's life.
        const until = before.expires_at && before.expires_at < graceEnd ? before.expires_at : graceEnd;
        const old = await repo.updateKey(trx, orgId, id, { expires_at: until, replaced_by: made.key.id });
        await record(trx, ctx, old, 'signing_key.rotated', {
          new_key_id: made.key.id,
          grace_seconds: graceSeconds,
          previous_valid_until: until.toISOString(),
        });
        return { issued: made, old };
      });
      // After the commit: announced earlier, a node could reload the old row and keep it.
      await verifier.keys.changed([keyCacheKey(result.old), keyCacheKey(result.issued.key)]);
      return { ...result.issued, replaces: result.old.id, previousValidUntil: result.old.expires_at as Date };
    },

    /** Stops the key at once, on every node. Idempotent: revoking again changes nothing. */
    async revoke(ctx: Ctx, agentId: string, id: string): Promise<void> {
      await agentOf(ctx, agentId);
      const orgId = ctx.principal.orgId;
      const revoked = await db.tenant(orgId, async (trx) => {
        const before = await lockedOrThrow(trx, ctx, agentId, id);
        if (before.revoked_at) return null;
        const after = await repo.updateKey(trx, orgId, id, { revoked_at: clock.now() });
        await record(trx, ctx, after, 'signing_key.revoked');
        return after;
      });
      if (revoked) await verifier.keys.changed([keyCacheKey(revoked)]);
    },

    /** The agent's policy as stored (not from the cache): what an admin sees is what was saved. */
    async getPolicy(ctx: Ctx, agentId: string) {
      await agentOf(ctx, agentId);
      const orgId = ctx.principal.orgId;
      const row = await db.tenant(orgId, (trx) => repo.getPolicy(trx, orgId, agentId));
      return presentPolicy(agentId, policyOfRow(row));
    },

    /** Sets whether the agent's calls must be signed: never, always, or for the listed actions. */
    async setPolicy(ctx: Ctx, agentId: string, input: PolicyInput) {
      await agentOf(ctx, agentId, { notArchived: true });
      const orgId = ctx.principal.orgId;
      const actions = input.required === 'actions' ? [...new Set(input.actions)].sort() : [];
      const row = await db.tenant(orgId, async (trx) => {
        const before = policyOfRow(await repo.getPolicy(trx, orgId, agentId));
        const after = await repo.upsertPolicy(trx, {
          org_id: orgId,
          agent_id: agentId,
          required: input.required,
          actions,
          updated_by: userIdOf(ctx.principal),
          updated_at: clock.now(),
        });
        await audit.record(trx, {
          orgId,
          actor: actorOf(ctx.principal),
          action: 'signing_policy.updated',
          target: { type: 'agent', id: agentId },
          meta: ctx.meta,
          details: {
            required: after.required,
            actions: after.actions,
            from: { required: before.required, actions: [...before.actions] },
          },
        });
        return after;
      });
      await verifier.policies.changed([policyCacheKey(orgId, agentId)]);
      return presentPolicy(agentId, policyOfRow(row));
    },

    verifyCommand: verifier.verifyCommand,
    policyOf: verifier.policyOf,

    /** Subscribes this node to key and policy changes made on any node; call once at start. */
    start: () => verifier.start(),
    verifier,
  };
}
export type SigningService = ReturnType<typeof createSigningService>;
