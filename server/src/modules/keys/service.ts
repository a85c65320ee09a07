import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { RequestMeta } from '../../platform/context.js';
import { seal, unseal } from '../../platform/crypto.js';
import type { Db, Trx } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AuditService } from '../audit/service.js';
import { type Algorithm, generateKey, loadPrivateKey, signJws } from './algorithms.js';
import { keysRepo as repo } from './repo.js';

const CHANGED = 'keys.changed';

interface Deps {
  db: Db;
  store: EphemeralStore;
  clock: Clock;
  audit: AuditService;
  log: Logger;
  /** Derived from the master key; seals private keys at rest. */
  sealKey: Buffer;
  /** How long a new key is published before it signs, so verifiers' JWKS caches pick it up. */
  publishAheadSeconds: number;
  /** The longest token lifetime: a retired key stays published this long after it stops signing. */
  maxTokenTtlSeconds: number;
}

interface Signing {
  kid: string;
  alg: Algorithm;
  key: KeyObject;
  /** When to look again: the next key's activation, or a minute from now. */
  recheckAt: number;
}

export type KeyStatus = 'pending' | 'active' | 'retired';

/** A public key that verifies this issuer's tokens, with the org that owns it. */
export interface VerificationKey {
  kid: string;
  orgId: string;
  alg: Algorithm;
  key: KeyObject;
  /** Epoch ms after which the key is unpublished and verifies nothing; Infinity while unscheduled. */
  publishUntil: number;
}

const KID = /^key_[0-9a-z]{26}$/;
/** An unknown kid is remembered this long, so garbage kids cannot make every request query. */
const UNKNOWN_KID_MS = 10_000;

/**
 * Per-org token signing keys: creation, rotation (publish first, sign later, keep publishing
 * until the last token signed with the old key has expired), the JWKS, and signing. The
 * signing key is cached per org and dropped on every node when any node rotates.
 */
export function createKeyService(deps: Deps) {
  const { db, clock, audit, sealKey } = deps;
  const cache = new Map<string, Signing>();
  // Keys never change once written except for publish_until, which rotation sets: a rotation
  // drops the org's entries here and on every node.
  const verifying = new Map<string, VerificationKey | { unknownUntil: number }>();
  const forget = (orgId: string) => {
    cache.delete(orgId);
    for (const [kid, v] of verifying) if (!('orgId' in v) || v.orgId === orgId) verifying.delete(kid);
  };
  void deps.store
    .subscribe(CHANGED, forget)
    .catch((err: Error) => deps.log.error({ err: err.message }, 'keys: cannot subscribe to changes'));

  async function insertKey(trx: Trx, orgId: string, alg: Algorithm, activatesAt: Date) {
    const kid = newId('key');
    const { publicJwk, privateDer } = generateKey(alg);
    return repo.insert(trx, {
      kid,
      org_id: orgId,
      alg,
      public_jwk: JSON.stringify({ ...publicJwk, kid, alg, use: 'sig' }),
      private_key_sealed: seal(sealKey, privateDer, kid),
      // The injected clock, not the database's: scheduled rotation compares ages by it.
      created_at: clock.now(),
      activates_at: activatesAt,
    });
  }

  /** The org's current signing key: the newest activated one; the first is created on demand. */
  async function loadSigning(orgId: string): Promise<Signing> {
    const now = clock.now();
    let keys = await db.tenant(orgId, (trx) => repo.ofOrg(trx, orgId));
    if (keys.length === 0) {
      await db.tenant(orgId, async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${`gatehouse.keys.${orgId}`}))`.execute(trx);
        if ((await repo.ofOrg(trx, orgId)).length === 0) await insertKey(trx, orgId, 'EdDSA', now);
      });
      keys = await db.tenant(orgId, (trx) => repo.ofOrg(trx, orgId));
    }
    const current = keys.find((k) => k.activates_at <= now) ?? keys.at(-1);
    if (!current) throw new Error(`no signing key for ${orgId}`);
    const next = keys.find((k) => k.activates_at > now);
    return {
      kid: current.kid,
      alg: current.alg,
      key: loadPrivateKey(unseal(sealKey, current.private_key_sealed, current.kid)),
      recheckAt: Math.min(next?.activates_at.getTime() ?? Number.POSITIVE_INFINITY, now.getTime() + 60_000),
    };
  }

  async function signing(orgId: string): Promise<Signing> {
    const hit = cache.get(orgId);
    if (hit && hit.recheckAt > clock.now().getTime()) return hit;
    const loaded = await loadSigning(orgId);
    cache.set(orgId, loaded);
    return loaded;
  }

  const service = {
    /** Signs `payload` as a compact JWS with the org's current key; `typ` goes in the header. */
    async sign(orgId: string, typ: string, payload: Record<string, unknown>): Promise<string> {
      const s = await signing(orgId);
      const header = Buffer.from(JSON.stringify({ alg: s.alg, kid: s.kid, typ })).toString('base64url');
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      const input = `${header}.${body}`;
      return `${input}.${signJws(s.alg, s.key, Buffer.from(input)).toString('base64url')}`;
    },

    /**
     * Adds a new key (optionally of another algorithm) that signs after the publish-ahead
     * delay; every older key is scheduled to leave the JWKS once its last token has expired.
     */
    async rotate(
      orgId: string,
      opts: {
        alg?: Algorithm;
        actor: { type: 'user' | 'system'; id: string | null };
        meta?: RequestMeta;
        /** Scheduled rotation: skip when the newest key was created after this (another node did it). */
        ifNewestBefore?: Date;
      },
    ) {
      const now = clock.now();
      const created = await db.tenant(orgId, async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${`gatehouse.keys.${orgId}`}))`.execute(trx);
        const existing = await repo.ofOrg(trx, orgId);
        const newest = existing.reduce<Date | undefined>(
          (m, k) => (!m || k.created_at > m ? k.created_at : m),
          undefined,
        );
        if (opts.ifNewestBefore && newest && newest >= opts.ifNewestBefore) return undefined;
        const alg = opts.alg ?? existing[0]?.alg ?? 'EdDSA';
        const activatesAt = existing.length ? new Date(now.getTime() + deps.publishAheadSeconds * 1000) : now;
        const key = await insertKey(trx, orgId, alg, activatesAt);
        const until = new Date(activatesAt.getTime() + deps.maxTokenTtlSeconds * 1000);
        await repo.retireUnscheduled(trx, orgId, until, key.kid);
        await audit.record(trx, {
          orgId,
          actor: opts.actor,
          action: 'key.rotated',
          target: { type: 'signing_key', id: key.kid },
          details: { alg, activates_at: activatesAt.toISOString() },
          ...(opts.meta ? { meta: opts.meta } : {}),
        });
        return key;
      });
      if (!created) return undefined;
      forget(orgId);
      await deps.store.publish(CHANGED, orgId).catch(() => {});
      return created;
    },

    /** Rotates every org whose newest key is older than `maxAgeMs`; safe on several nodes at once. */
    async rotateDue(maxAgeMs: number) {
      const cutoff = new Date(clock.now().getTime() - maxAgeMs);
      const due = await repo.orgsWithKeysOlderThan(db.system, cutoff);
      for (const orgId of due) {
        await service.rotate(orgId, {
          actor: { type: 'system', id: 'key-rotation' },
          ifNewestBefore: cutoff,
        });
      }
      return due.length;
    },

    /** The org's keys with their state, newest first. */
    async list(orgId: string) {
      const now = clock.now();
      const keys = await db.tenant(orgId, (trx) => repo.ofOrg(trx, orgId));
      const signingKid = keys.find((k) => k.activates_at <= now)?.kid;
      return keys
        .filter((k) => !k.publish_until || k.publish_until > now)
        .map((k) => ({
          ...k,
          status: (k.activates_at > now
            ? 'pending'
            : k.kid === signingKid
              ? 'active'
              : 'retired') as KeyStatus,
        }));
    },

    /**
     * The public key `kid` names, while it is published; undefined for an unknown or
     * unpublished kid. Served from memory: verification must not query per token.
     */
    async verificationKey(kid: string): Promise<VerificationKey | undefined> {
      if (!KID.test(kid)) return undefined;
      const now = clock.now().getTime();
      let hit = verifying.get(kid);
      if (!hit || ('unknownUntil' in hit && hit.unknownUntil <= now)) {
        const row = await repo.byKid(db.system, kid);
        hit = row
          ? {
              kid,
              orgId: row.org_id,
              alg: row.alg,
              key: createPublicKey({ key: row.public_jwk as JsonWebKey, format: 'jwk' }),
              publishUntil: row.publish_until?.getTime() ?? Number.POSITIVE_INFINITY,
            }
          : { unknownUntil: now + UNKNOWN_KID_MS };
        if (verifying.size > 10_000) verifying.delete(verifying.keys().next().value as string);
        verifying.set(kid, hit);
      }
      return 'orgId' in hit && hit.publishUntil > now ? hit : undefined;
    },

    /** The issuer's JSON Web Key Set: every published public key, across orgs. */
    async jwks() {
      const keys = await repo.published(deps.db.system, clock.now());
      return { keys: keys.map((k) => k.public_jwk) };
    },
  };
  return service;
}
export type KeyService = ReturnType<typeof createKeyService>;
