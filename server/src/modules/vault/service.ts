import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import { type Ctx as AnyCtx, actorOf, type Principal, userIdOf } from '../../platform/context.js';
import type { Db, Trx } from '../../platform/db/database.js';
import { notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { decodeCursor, toPage } from '../../platform/pagination.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AgentService } from '../agents/service.js';
import type { AuditService } from '../audit/service.js';
import { createVaultAccess } from './access.js';
import { splitAuth } from './auth.js';
import { createVaultCaches, sealPayload } from './caches.js';
import { checkEgress, type EgressPolicy, OPEN_POLICY } from './egress.js';
import { createKeyring } from './envelope.js';
import { vaultErrors as errors } from './errors.js';
import { vaultRepo as repo } from './repo.js';
import { createRewrap } from './rewrap.js';
import {
  type CreateIntegrationInput,
  type EgressInput,
  normalizeBaseUrl,
  type UpdateIntegrationInput,
} from './schema.js';
import type { AuthMeta, AuthType, Integration } from './tables.js';

type Ctx = AnyCtx<Principal>;

interface Deps {
  db: Db;
  store: EphemeralStore;
  clock: Clock;
  log: Logger;
  audit: AuditService;
  agents: Pick<AgentService, 'getRecord'>;
  masterKey: Buffer;
  previousMasterKeys?: readonly Buffer[];
}

const UNIQUE_VIOLATION = '23505';

const sameMeta = (a: AuthMeta, b: AuthMeta) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** The egress checks a saved integration must pass: its base URL and, for oauth2, its token URL. */
function assertEgress(policy: EgressPolicy, baseUrl: string, meta: AuthMeta) {
  const base = checkEgress(policy, baseUrl);
  if (!base.allowed) throw errors.egressDenied('base_url', base.reason);
  if (meta.token_url) {
    const token = checkEgress(policy, meta.token_url);
    if (!token.allowed) throw errors.egressDenied('auth.token_url', token.reason);
  }
}

/**
 * The vault: integrations (third-party APIs agents call through the gateway), their credentials
 * sealed under envelope encryption and never shown again, grants, and the egress allowlist. The
 * gateway uses the access half (`resolveCredential`, `isGranted`, `getByName`, `egressPolicy`).
 */
export function createVaultService(deps: Deps) {
  const { db, clock, audit } = deps;
  const keyring = createKeyring(deps.masterKey, deps.previousMasterKeys);
  const caches = createVaultCaches({ ...deps, keyring });
  const access = createVaultAccess({ ...deps, caches });
  const { keys } = caches;

  const record = (
    trx: Trx,
    ctx: Ctx,
    i: Integration,
    action: string,
    details: Record<string, unknown> = {},
  ) => audit.recordBy(trx, ctx, action, { type: 'integration', id: i.id }, { name: i.name, ...details });

  const policyIn = async (trx: Trx, orgId: string): Promise<EgressPolicy> => {
    const row = await repo.egress(trx, orgId);
    return row ? { hosts: row.hosts, allow_private: row.allow_private } : OPEN_POLICY;
  };

  const putSecret = (trx: Trx, i: Integration, type: AuthType, credential: string) =>
    repo.putSecret(trx, {
      integration_id: i.id,
      org_id: i.org_id,
      ...keyring.seal(i.id, sealPayload(type, credential)),
      updated_at: clock.now(),
    });

  /** Drops what every node holds about the integration, after the commit. */
  async function announce(orgId: string, id: string, names: string[], agentIds: string[] = []) {
    access.forgetTokens(orgId, id);
    await Promise.all([
      caches.records.changed([keys.id(orgId, id), ...names.map((n) => keys.name(orgId, n))]),
      caches.credentials.changed([keys.credential(orgId, id)]),
      agentIds.length ? caches.grants.changed(agentIds.map((a) => keys.grant(orgId, id, a))) : undefined,
    ]);
  }

  async function lockedOrThrow(trx: Trx, orgId: string, id: string) {
    const found = await repo.get(trx, orgId, id, { forUpdate: true });
    if (!found) throw errors.notFound();
    return found;
  }

  const taken = (name: string) => (err: unknown) => {
    throw (err as { code?: string }).code === UNIQUE_VIOLATION ? errors.nameTaken(name) : err;
  };

  return {
    ...access,

    async create(ctx: Ctx, input: CreateIntegrationInput): Promise<Integration> {
      const orgId = ctx.principal.orgId;
      const now = clock.now();
      const auth = splitAuth(input.auth);
      const baseUrl = normalizeBaseUrl(input.base_url);
      const created = await db.tenant(orgId, async (trx) => {
        assertEgress(await policyIn(trx, orgId), baseUrl, auth.meta);
        if (await repo.idByName(trx, orgId, input.name)) throw errors.nameTaken(input.name);
        const row = await repo
          .insert(trx, {
            id: newId('int', now.getTime()),
            org_id: orgId,
            name: input.name,
            display_name: input.display_name ?? input.name,
            description: input.description ?? '',
            base_url: baseUrl,
            auth_type: auth.type,
            auth_meta: JSON.stringify(auth.meta),
            rate_limit_rpm: input.rate_limit_rpm ?? null,
            status: input.status ?? 'active',
            credential_updated_at: now,
            created_by: userIdOf(ctx.principal),
            created_at: now,
            updated_at: now,
          })
          .catch(taken(input.name));
        await putSecret(trx, row, auth.type, auth.secret as string);
        await record(trx, ctx, row, 'integration.created', {
          base_url: row.base_url,
          auth_type: row.auth_type,
          rate_limit_rpm: row.rate_limit_rpm,
          status: row.status,
        });
        await record(trx, ctx, row, 'integration.credential_set', { auth_type: row.auth_type });
        return row;
      });
      // A node may hold a recent miss for the name: drop it everywhere.
      await announce(orgId, created.id, [created.name]);
      return created;
    },

    async list(ctx: Ctx, q: { limit: number; cursor?: string | undefined }) {
      const orgId = ctx.principal.orgId;
      const rows = await db.tenant(orgId, (trx) =>
        repo.list(trx, orgId, { after: decodeCursor(q.cursor), limit: q.limit + 1 }),
      );
      return toPage(rows, q.limit, (r) => r.id);
    },

    /** Another org's integration is as absent as a missing one (404). */
    async get(ctx: Ctx, id: string): Promise<Integration> {
      const orgId = ctx.principal.orgId;
      const found = await db.tenant(orgId, (trx) => repo.get(trx, orgId, id));
      if (!found) throw errors.notFound();
      return found;
    },

    /**
     * Changes what is given. `auth` with its credential replaces the credential (a fresh data key);
     * without it, the stored credential stays and only the metadata changes, which a new type
     * cannot do. Nothing changed: nothing written, nothing audited.
     */
    async update(ctx: Ctx, id: string, input: UpdateIntegrationInput): Promise<Integration> {
      const orgId = ctx.principal.orgId;
      const now = clock.now();
      const { after, names } = await db.tenant(orgId, async (trx) => {
        const before = await lockedOrThrow(trx, orgId, id);
        const patch: Partial<Record<string, unknown>> = {};
        const fields: string[] = [];
        const set = (field: string, value: unknown, current: unknown) => {
          if (value === undefined || value === current) return;
          patch[field] = value;
          fields.push(field);
        };
        set('name', input.name, before.name);
        set('display_name', input.display_name, before.display_name);
        set('description', input.description, before.description);
        set('base_url', input.base_url && normalizeBaseUrl(input.base_url), before.base_url);
        set('rate_limit_rpm', input.rate_limit_rpm, before.rate_limit_rpm);
        set('status', input.status, before.status);
        const auth = input.auth && splitAuth(input.auth);
        if (auth && auth.type !== before.auth_type && !auth.secret) throw errors.credentialRequired();
        let meta = before.auth_meta;
        if (auth && (auth.type !== before.auth_type || !sameMeta(auth.meta, before.auth_meta))) {
          meta = auth.meta;
          patch.auth_type = auth.type;
          patch.auth_meta = JSON.stringify(auth.meta);
          fields.push('auth');
        }
        const secret = auth?.secret;
        if (!fields.length && !secret) return { after: before, names: [] };
        if (patch.base_url || patch.auth_meta) {
          assertEgress(await policyIn(trx, orgId), (patch.base_url as string) ?? before.base_url, meta);
        }
        if (secret) patch.credential_updated_at = now;
        const after = await repo
          .update(trx, orgId, id, { ...patch, updated_at: now })
          .catch(taken(input.name ?? before.name));
        if (fields.length) await record(trx, ctx, after, 'integration.updated', { fields });
        if (secret) {
          await putSecret(trx, after, after.auth_type, secret);
          await record(trx, ctx, after, 'integration.credential_set', { auth_type: after.auth_type });
        }
        return { after, names: [...new Set([before.name, after.name])] };
      });
      if (names.length) await announce(orgId, id, names);
      return after;
    },

    /** Deletes the integration, its sealed credential and its grants: the gateway refuses it at once. */
    async remove(ctx: Ctx, id: string): Promise<void> {
      const orgId = ctx.principal.orgId;
      const { row, agentIds } = await db.tenant(orgId, async (trx) => {
        await lockedOrThrow(trx, orgId, id);
        const agentIds = (await repo.grantees(trx, orgId, id)).map((g) => g.agent_id);
        const row = (await repo.delete(trx, orgId, id)) as Integration;
        await record(trx, ctx, row, 'integration.deleted', { grants: agentIds.length });
        return { row, agentIds };
      });
      await announce(orgId, id, [row.name], agentIds);
    },

    /** Lets the agent call the integration; idempotent (created: false when it already could). */
    async grant(ctx: Ctx, id: string, agentId: string) {
      const orgId = ctx.principal.orgId;
      const agent = await deps.agents.getRecord(orgId, agentId);
      if (!agent || agent.status === 'archived') throw notFound('Agent');
      const result = await db.tenant(orgId, async (trx) => {
        const integration = await lockedOrThrow(trx, orgId, id);
        const inserted = await repo.grant(trx, {
          org_id: orgId,
          integration_id: id,
          agent_id: agentId,
          created_by: userIdOf(ctx.principal),
          created_at: clock.now(),
        });
        if (!inserted) return { grant: await repo.getGrant(trx, orgId, id, agentId), created: false };
        await record(trx, ctx, integration, 'integration.granted', { agent_id: agentId });
        return { grant: inserted, created: true };
      });
      if (result.created) await caches.grants.changed([keys.grant(orgId, id, agentId)]);
      if (!result.grant) throw errors.grantNotFound();
      return { grant: result.grant, created: result.created };
    },

    async revoke(ctx: Ctx, id: string, agentId: string): Promise<void> {
      const orgId = ctx.principal.orgId;
      await db.tenant(orgId, async (trx) => {
        const integration = await lockedOrThrow(trx, orgId, id);
        if (!(await repo.revoke(trx, orgId, id, agentId))) throw errors.grantNotFound();
        await record(trx, ctx, integration, 'integration.revoked', { agent_id: agentId });
      });
      await caches.grants.changed([keys.grant(orgId, id, agentId)]);
    },

    async listGrants(ctx: Ctx, id: string, q: { limit: number; cursor?: string | undefined }) {
      const orgId = ctx.principal.orgId;
      const rows = await db.tenant(orgId, async (trx) => {
        if (!(await repo.get(trx, orgId, id))) throw errors.notFound();
        return repo.grants(trx, orgId, id, { after: decodeCursor(q.cursor), limit: q.limit + 1 });
      });
      return toPage(rows, q.limit, (g) => g.agent_id);
    },

    /** The integrations an agent may call. */
    async agentIntegrations(ctx: Ctx, agentId: string, q: { limit: number; cursor?: string | undefined }) {
      const orgId = ctx.principal.orgId;
      if (!(await deps.agents.getRecord(orgId, agentId))) throw notFound('Agent');
      const rows = await db.tenant(orgId, (trx) =>
        repo.ofAgent(trx, orgId, agentId, { after: decodeCursor(q.cursor), limit: q.limit + 1 }),
      );
      return toPage(rows, q.limit, (r) => r.id);
    },

    async getEgress(ctx: Ctx) {
      const orgId = ctx.principal.orgId;
      const row = await db.tenant(orgId, (trx) => repo.egress(trx, orgId));
      return {
        hosts: row?.hosts ?? [],
        allow_private: row?.allow_private ?? [],
        updated_by: row?.updated_by ?? null,
        updated_at: row?.updated_at.toISOString() ?? null,
      };
    },

    /**
     * Replaces the org's egress policy. Saved integrations are not re-judged here: the gateway
     * checks every call against the policy in force, so one the new policy refuses stops working.
     */
    async putEgress(ctx: Ctx, input: EgressInput) {
      const orgId = ctx.principal.orgId;
      const hosts = [...new Set(input.hosts)];
      const allowPrivate = [...new Set(input.allow_private)];
      const row = await db.tenant(orgId, async (trx) => {
        const before = await policyIn(trx, orgId);
        const saved = await repo.putEgress(trx, {
          org_id: orgId,
          hosts,
          allow_private: allowPrivate,
          updated_by: userIdOf(ctx.principal),
          updated_at: clock.now(),
        });
        await audit.record(trx, {
          orgId,
          actor: actorOf(ctx.principal),
          action: 'egress.updated',
          target: { type: 'org', id: orgId },
          meta: ctx.meta,
          // allow_private under another key: the audit redactor drops any key naming "private".
          details: {
            hosts,
            allowed_addresses: allowPrivate,
            previous: { hosts: before.hosts, allowed_addresses: before.allow_private },
          },
        });
        return saved;
      });
      await caches.egress.changed([orgId]);
      return {
        hosts: row.hosts,
        allow_private: row.allow_private,
        updated_by: row.updated_by,
        updated_at: row.updated_at.toISOString(),
      };
    },

    ...createRewrap({ db, audit, keyring }),

    /** Subscribes this node to vault changes made on any node; call once at start. */
    start: () => caches.start(),
    stop: () => caches.stop(),
    caches,
  };
}
export type VaultService = ReturnType<typeof createVaultService>;
