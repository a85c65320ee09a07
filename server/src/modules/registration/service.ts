import type { Clock } from '../../platform/clock.js';
import type { Ctx } from '../../platform/context.js';
import { randomSecret, type SecretHasher } from '../../platform/crypto.js';
import type { Db, Trx } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { decodeCursor, toPage } from '../../platform/pagination.js';
import type { AuditService } from '../audit/service.js';
import { registrationErrors as errors } from './errors.js';
import { registrationRepo as repo } from './repo.js';
import {
  type CreateTokenInput,
  type SettingsInput,
  TOKEN_TTL_DAYS,
  type TokenStatus,
  tokenStatus,
} from './schema.js';
import type { InitialAccessToken } from './tables.js';

interface Deps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  /** HMAC-SHA256 under the server pepper: tokens are stored and looked up only as this. */
  hasher: SecretHasher;
}

const DAY_MS = 24 * 3600 * 1000;

/** An initial access token: 256 random bits; the prefix lets secret scanners recognise a leaked one. */
export const newInitialAccessToken = () => randomSecret('ghiat_');
const TOKEN = /^ghiat_[A-Za-z0-9_-]{43}$/;

/**
 * An org's dynamic client registration setting and its initial access tokens: what an admin
 * manages under /v1/registration, and what POST /oauth/register checks (see register.ts).
 */
export function createRegistrationSettings(deps: Deps) {
  const { db, clock, audit, hasher } = deps;

  const record = (trx: Trx, ctx: Ctx, action: string, target: string, details: Record<string, unknown>) =>
    audit.record(trx, {
      orgId: ctx.principal.orgId,
      actor: { type: 'user', id: ctx.principal.userId },
      action,
      target: target.startsWith('iat_')
        ? { type: 'initial_access', id: target }
        : { type: 'org', id: target },
      meta: ctx.meta,
      details,
    });

  /** The org's setting; an org that never changed it has registration off. */
  const settingsIn = async (trx: Trx, orgId: string) =>
    (await repo.settings(trx, orgId)) ?? { enabled: false, default_scopes: [], updated_at: null };

  function expiryOf(input: CreateTokenInput, now: Date): Date {
    if (input.expires_at === undefined) return new Date(now.getTime() + TOKEN_TTL_DAYS.default * DAY_MS);
    const at = new Date(input.expires_at);
    if (at <= now) throw errors.expiry('must be in the future');
    if (at.getTime() - now.getTime() > TOKEN_TTL_DAYS.max * DAY_MS) {
      throw errors.expiry(`must be within ${TOKEN_TTL_DAYS.max} days`);
    }
    return at;
  }

  return {
    settings: (ctx: Ctx) => db.tenant(ctx.principal.orgId, (trx) => settingsIn(trx, ctx.principal.orgId)),
    /** Settings as the registration endpoint reads them, for an org a token named. */
    settingsOf: (orgId: string) => db.tenant(orgId, (trx) => settingsIn(trx, orgId)),

    updateSettings: (ctx: Ctx, input: SettingsInput) => {
      const orgId = ctx.principal.orgId;
      return db.tenant(orgId, async (trx) => {
        const before = await settingsIn(trx, orgId);
        const after = await repo.saveSettings(trx, {
          org_id: orgId,
          enabled: input.enabled,
          default_scopes: [...new Set(input.default_scopes)].sort(),
          updated_by: ctx.principal.userId,
          updated_at: clock.now(),
        });
        await record(trx, ctx, 'registration.settings_updated', orgId, {
          enabled: after.enabled,
          default_scopes: after.default_scopes,
          was_enabled: before.enabled,
        });
        return after;
      });
    },

    /** A new initial access token; the token is in this answer only, its HMAC in the table. */
    async createToken(
      ctx: Ctx,
      input: CreateTokenInput,
    ): Promise<{ row: InitialAccessToken & { status: TokenStatus }; token: string }> {
      const orgId = ctx.principal.orgId;
      const now = clock.now();
      const token = newInitialAccessToken();
      const row = await db.tenant(orgId, async (trx) => {
        const created = await repo.insertToken(trx, {
          id: newId('iat', now.getTime()),
          org_id: orgId,
          token_hash: hasher.hash(token),
          expires_at: expiryOf(input, now),
          max_uses: input.max_uses ?? null,
          created_by: ctx.principal.userId,
          created_at: now,
        });
        await record(trx, ctx, 'registration.token_created', created.id, {
          expires_at: created.expires_at.toISOString(),
          max_uses: created.max_uses,
        });
        return created;
      });
      return { row: { ...row, status: tokenStatus(row, now) }, token };
    },

    async listTokens(ctx: Ctx, q: { limit: number; cursor?: string | undefined }) {
      const orgId = ctx.principal.orgId;
      const rows = await db.tenant(orgId, (trx) =>
        repo.listTokens(trx, orgId, { after: decodeCursor(q.cursor), limit: q.limit + 1 }),
      );
      const page = toPage(rows, q.limit, (t) => t.id);
      const now = clock.now();
      return { ...page, items: page.items.map((t) => ({ ...t, status: tokenStatus(t, now) })) };
    },

    /** Stops a token at once. Idempotent: revoking again changes nothing. */
    revokeToken: (ctx: Ctx, id: string) => {
      const orgId = ctx.principal.orgId;
      return db.tenant(orgId, async (trx) => {
        const before = await repo.getToken(trx, orgId, id);
        if (!before) throw errors.tokenNotFound();
        if (before.revoked_at) return;
        await repo.revokeToken(trx, orgId, id, clock.now());
        await record(trx, ctx, 'registration.token_revoked', id, { uses: before.uses });
      });
    },

    /**
     * The live token a registration request presents, or invalid_token. Found by its HMAC across
     * orgs (the token is what names the org); whether a use is left is settled by `consume`.
     */
    async authenticate(presented: string | undefined): Promise<InitialAccessToken> {
      if (!presented) throw errors.token('an initial access token is required (Authorization: Bearer)');
      const found = TOKEN.test(presented)
        ? await repo.findByHash(db.system, hasher.hash(presented))
        : undefined;
      if (!found) throw errors.token('the initial access token is not valid');
      if (found.revoked_at) throw errors.token('the initial access token was revoked');
      if (found.expires_at <= clock.now()) throw errors.token('the initial access token has expired');
      if (found.max_uses !== null && found.uses >= found.max_uses) {
        throw errors.token('the initial access token has been used up');
      }
      return found;
    },

    /** Counts one use of the token, in `trx`; invalid_token when a racing request took the last. */
    async consume(trx: Trx, token: InitialAccessToken): Promise<void> {
      if (!(await repo.consume(trx, token.org_id, token.id, clock.now()))) {
        throw errors.token('the initial access token is expired, revoked or used up');
      }
    },
  };
}
export type RegistrationSettingsService = ReturnType<typeof createRegistrationSettings>;
