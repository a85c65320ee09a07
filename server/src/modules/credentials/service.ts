import type { Insertable } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import { type Ctx as AnyCtx, type Principal, userIdOf } from '../../platform/context.js';
import type { SecretHasher } from '../../platform/crypto.js';
import type { Db, Trx } from '../../platform/db/database.js';
import { notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { decodeCursor, toPage } from '../../platform/pagination.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AgentService } from '../agents/service.js';
import type { AuditService } from '../audit/service.js';
import { cacheKeysOf, createClientAuthenticator } from './authenticate.js';
import { credentialErrors as errors } from './errors.js';
import { credentialsRepo as repo } from './repo.js';
import type { CreateCredentialInput, CredentialStatus, Issued } from './schema.js';
import { newApiKey, newClientId, newClientSecret, newKeyPrefix } from './secrets.js';
import type { Credential, CredentialsTable } from './tables.js';

type Ctx = AnyCtx<Principal>;

export type { ClientAuth, RegisteredClient } from './authenticate.js';

interface Deps {
  db: Db;
  store: EphemeralStore;
  clock: Clock;
  log: Logger;
  audit: AuditService;
  /** HMAC-SHA256 under the server pepper: secrets are stored and compared only as this. */
  hasher: SecretHasher;
  agents: Pick<AgentService, 'getRecord' | 'getActive'>;
}

/** Revoked beats expired beats rotating (the previous secret still in its grace). */
export function statusOf(c: Credential, now: Date): CredentialStatus {
  if (c.revoked_at) return 'revoked';
  if (c.expires_at && c.expires_at <= now) return 'expired';
  if (c.previous_valid_until && c.previous_valid_until > now) return 'rotating';
  return 'active';
}

/** A new secret for a credential that has one: a client secret, or an API key on its prefix. */
const newSecret = (c: Pick<Credential, 'type' | 'key_prefix'>) =>
  c.type === 'api_key' && c.key_prefix ? newApiKey(c.key_prefix) : newClientSecret();

/**
 * Agent credentials: issuing (the secret is returned once and stored as an HMAC), listing,
 * rotation with a grace for the previous secret, revocation; and, for the token endpoint,
 * client authentication (see authenticate.ts).
 */
export function createCredentialService(deps: Deps) {
  const { db, clock, audit, hasher, agents } = deps;
  const authenticator = createClientAuthenticator(deps);

  const record = (trx: Trx, ctx: Ctx, c: Credential, action: string, details: Record<string, unknown> = {}) =>
    audit.recordBy(
      trx,
      ctx,
      action,
      { type: 'credential', id: c.id },
      { agent_id: c.agent_id, type: c.type, ...details },
    );

  /** Through the agents service: another org's agent is as absent as a missing one (404). */
  async function agentOf(ctx: Ctx, agentId: string, opts: { notArchived?: boolean } = {}) {
    const agent = await agents.getRecord(ctx.principal.orgId, agentId);
    if (!agent) throw notFound('Agent');
    if (opts.notArchived && agent.status === 'archived') throw errors.agentArchived();
    return agent;
  }

  async function lockedOrThrow(trx: Trx, ctx: Ctx, agentId: string, id: string) {
    const found = await repo.get(trx, ctx.principal.orgId, agentId, id, { forUpdate: true });
    if (!found) throw notFound('Credential');
    return found;
  }

  return {
    /** A new credential for an agent that is not archived; a new one is in no cache yet. */
    async create(ctx: Ctx, agentId: string, input: CreateCredentialInput): Promise<Issued> {
      await agentOf(ctx, agentId, { notArchived: true });
      const orgId = ctx.principal.orgId;
      const now = clock.now();
      const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
      if (expiresAt && expiresAt <= now) throw errors.expiresInPast();
      const keyPrefix = input.type === 'api_key' ? newKeyPrefix() : null;
      const secret =
        input.type === 'private_key_jwt' ? undefined : newSecret({ ...input, key_prefix: keyPrefix });
      const row: Insertable<CredentialsTable> = {
        id: newId('crd', now.getTime()),
        org_id: orgId,
        agent_id: agentId,
        type: input.type,
        client_id: input.type === 'api_key' ? null : newClientId(),
        key_prefix: keyPrefix,
        secret_hash: secret ? hasher.hash(secret) : null,
        jwks: input.type === 'private_key_jwt' && input.jwks ? JSON.stringify(input.jwks) : null,
        jwks_uri: input.type === 'private_key_jwt' ? (input.jwks_uri ?? null) : null,
        created_by: userIdOf(ctx.principal),
        created_at: now,
        expires_at: expiresAt,
      };
      const credential = await db.tenant(orgId, async (trx) => {
        const created = await repo.insert(trx, row);
        await record(trx, ctx, created, 'credential.created', {
          expires_at: expiresAt?.toISOString() ?? null,
        });
        return created;
      });
      // Misses are cached: a node that was asked for these keys before must look again.
      await authenticator.cache.changed(cacheKeysOf(credential));
      return secret ? { credential, secret } : { credential };
    },

    /** The agent's credentials in creation order, with their status now; never a secret. */
    async list(ctx: Ctx, agentId: string, q: { limit: number; cursor?: string | undefined }) {
      await agentOf(ctx, agentId);
      const orgId = ctx.principal.orgId;
      const rows = await db.tenant(orgId, (trx) =>
        repo.listOfAgent(trx, orgId, agentId, { after: decodeCursor(q.cursor), limit: q.limit + 1 }),
      );
      const page = toPage(rows, q.limit, (c) => c.id);
      const now = clock.now();
      return { ...page, items: page.items.map((c) => ({ ...c, status: statusOf(c, now) })) };
    },

    /**
     * A new secret; the current one becomes the previous and works `graceSeconds` more (0: not
     * at all). A secret still in an earlier grace stops now: at most two secrets work at once.
     */
    async rotate(ctx: Ctx, agentId: string, id: string, graceSeconds: number): Promise<Issued> {
      await agentOf(ctx, agentId, { notArchived: true });
      const orgId = ctx.principal.orgId;
      const issued = await db.tenant(orgId, async (trx) => {
        const before = await lockedOrThrow(trx, ctx, agentId, id);
        if (before.type === 'private_key_jwt') throw errors.notRotatable();
        const now = clock.now();
        if (before.revoked_at) throw errors.revoked();
        if (before.expires_at && before.expires_at <= now) throw errors.expired();
        const secret = newSecret(before);
        const until = new Date(now.getTime() + graceSeconds * 1000);
        const credential = await repo.update(trx, orgId, id, {
          secret_hash: hasher.hash(secret),
          previous_secret_hash: before.secret_hash,
          previous_valid_until: until,
        });
        await record(trx, ctx, credential, 'credential.rotated', {
          grace_seconds: graceSeconds,
          previous_valid_until: until.toISOString(),
        });
        return { credential, secret };
      });
      // After the commit: announced earlier, a node could reload the old row and keep it.
      await authenticator.cache.changed(cacheKeysOf(issued.credential));
      return issued;
    },

    /** Stops the credential at once, on every node. Idempotent: revoking again changes nothing. */
    async revoke(ctx: Ctx, agentId: string, id: string): Promise<void> {
      await agentOf(ctx, agentId);
      const orgId = ctx.principal.orgId;
      const revoked = await db.tenant(orgId, async (trx) => {
        const before = await lockedOrThrow(trx, ctx, agentId, id);
        if (before.revoked_at) return null;
        const after = await repo.update(trx, orgId, id, { revoked_at: clock.now() });
        await record(trx, ctx, after, 'credential.revoked');
        return after;
      });
      if (revoked) await authenticator.cache.changed(cacheKeysOf(revoked));
    },

    authenticateSecret: authenticator.authenticateSecret,
    authenticateApiKey: authenticator.authenticateApiKey,
    findClient: authenticator.findClient,
    markUsed: authenticator.markUsed,
    isLive: authenticator.isLive,
    isClientLive: authenticator.isClientLive,

    /** Subscribes this node to credential changes made on any node; call once at start. */
    start: () => authenticator.cache.start(),
    cache: authenticator.cache,
  };
}
export type CredentialService = ReturnType<typeof createCredentialService>;
