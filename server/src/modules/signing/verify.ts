import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import { unseal } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import { createCoherentCache } from '../../platform/store/coherent-cache.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import {
  bodyDigest,
  canonicalString,
  contentDigestSha256,
  DIGEST_HEADER,
  hmac,
  parseSignature,
  SIGNATURE_HEADER,
  WINDOW_SECONDS,
} from './canonical.js';
import { signingErrors as errors } from './errors.js';
import { signingRepo as repo } from './repo.js';
import type { SigningPolicy } from './schema.js';
import type { SigningKey, SigningPolicyRow } from './tables.js';

/** What a caller (the gateway, /v1/signing/check) asks to have verified. */
export interface CommandRequest {
  orgId: string;
  /** The agent making the call (for a delegated token, the actor): the key must be its own. */
  agentId: string;
  /** The action the call performs (`integration.call`): the policy may require signing for it. */
  action: string;
  method: string;
  /** The request target exactly as received: path and query, no scheme or host. */
  pathWithQuery: string;
  /** The request's headers (Node's IncomingHttpHeaders will do); names are matched case-insensitively. */
  headers: Record<string, string | string[] | undefined>;
  /** The body bytes as received; empty when there is none. */
  body: Buffer;
}

/** A call that passed: signed with `keyId`, or unsigned where the policy allowed it. */
export type VerifiedCommand = { signed: true; keyId: string } | { signed: false; keyId: null };

/** A signing key as the hot path needs it: still sealed, times in epoch ms. */
export interface KeyRecord {
  id: string;
  orgId: string;
  agentId: string;
  sealed: string;
  /** Infinity when the key does not expire. */
  expiresAt: number;
  revoked: boolean;
  lastUsedAt: number;
}

export const KEYS_CHANNEL = 'signing_keys.changed';
export const POLICIES_CHANNEL = 'signing_policies.changed';
export const keyCacheKey = (k: Pick<SigningKey, 'org_id' | 'id'>) => `${k.org_id}/${k.id}`;
export const policyCacheKey = (orgId: string, agentId: string) => `${orgId}/${agentId}`;

export const DEFAULT_POLICY: SigningPolicy = Object.freeze({
  required: 'never',
  actions: Object.freeze([]) as readonly string[],
  updatedBy: null,
  updatedAt: null,
});

export const policyOfRow = (row: SigningPolicyRow | undefined): SigningPolicy =>
  row
    ? Object.freeze({
        required: row.required,
        actions: Object.freeze([...row.actions]),
        updatedBy: row.updated_by,
        updatedAt: row.updated_at,
      })
    : DEFAULT_POLICY;

/** Whether the policy demands a signature for `action`. */
export const requiresSignature = (p: SigningPolicy, action: string) =>
  p.required === 'always' || (p.required === 'actions' && p.actions.includes(action));

const ORG_ID = /^org_[0-9a-z]{26}$/;
const AGENT_ID = /^agt_[0-9a-z]{26}$/;
const METHOD = /^[A-Za-z]{1,20}$/;
/** An origin-form request target (RFC 9112 §3.2.1): what a server receives, nothing to split lines. */
const TARGET = /^\/[\x21-\x7E]*$/;
/** last_used_at is written at most this often per key. */
const TOUCH_EVERY_MS = 60_000;
const MAX_TOUCHED = 10_000;

/** The one value of a header, case-insensitively; null when sent more than once. */
function headerOf(headers: CommandRequest['headers'], name: string): string | null | undefined {
  let value = headers[name];
  if (value === undefined) {
    const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = found === undefined ? undefined : headers[found];
  }
  if (Array.isArray(value)) return value.length === 1 ? (value[0] as string) : null;
  return value;
}

interface Deps {
  db: Db;
  store: EphemeralStore;
  clock: Clock;
  log: Logger;
  /** deriveKey(masterKey, 'command-signing/v1'): opens the sealed secrets. */
  sealKey: Buffer;
}

/**
 * Verifies signed commands. Keys and policies come from in-process caches that every node drops
 * when a key or policy changes (no database query per request); expiry and the rotation grace are
 * judged on each call by the clock; nonces live in the ephemeral store until the window has passed.
 */
export function createCommandVerifier(deps: Deps) {
  const { db, store, clock, log, sealKey } = deps;

  const keys = createCoherentCache<KeyRecord>({
    ...deps,
    channel: KEYS_CHANNEL,
    // Unknown key ids cost one query per interval, not one per request; creation announces its key.
    missTtlMs: 5_000,
    load: async (cacheKey) => {
      const [orgId = '', id = ''] = cacheKey.split('/');
      const k = await db.tenant(orgId, (trx) => repo.findKey(trx, orgId, id));
      return k
        ? Object.freeze({
            id: k.id,
            orgId: k.org_id,
            agentId: k.agent_id,
            sealed: k.secret_sealed,
            expiresAt: k.expires_at?.getTime() ?? Number.POSITIVE_INFINITY,
            revoked: k.revoked_at !== null,
            lastUsedAt: k.last_used_at?.getTime() ?? 0,
          })
        : null;
    },
  });

  // Never null: an agent without a row has the default, and that answer is cached like any other.
  const policies = createCoherentCache<SigningPolicy>({
    ...deps,
    channel: POLICIES_CHANNEL,
    load: async (cacheKey) => {
      const [orgId = '', agentId = ''] = cacheKey.split('/');
      return policyOfRow(await db.tenant(orgId, (trx) => repo.getPolicy(trx, orgId, agentId)));
    },
  });

  // Per node, when each key's use was last written; the SQL also skips a recent write.
  const touched = new Map<string, number>();
  function touch(k: KeyRecord, now: number) {
    if (now - Math.max(k.lastUsedAt, touched.get(k.id) ?? 0) < TOUCH_EVERY_MS) return;
    touched.delete(k.id);
    touched.set(k.id, now);
    if (touched.size > MAX_TOUCHED) touched.delete(touched.keys().next().value as string);
    // Off the critical path: the caller does not wait for it, and a failure only loses a timestamp.
    db.tenant(k.orgId, (trx) =>
      repo.touchKey(trx, k.orgId, k.id, new Date(now), new Date(now - TOUCH_EVERY_MS)),
    ).catch((err: Error) =>
      log.warn({ err: err.message, keyId: k.id }, 'signing key last_used_at not written'),
    );
  }

  /** Which check refused a signature stays in the log; the caller only learns bad_signature. */
  function bad(req: CommandRequest, keyId: string, reason: string) {
    log.info({ orgId: req.orgId, agentId: req.agentId, keyId, reason }, 'command signature refused');
    return errors.bad();
  }

  async function policyOf(orgId: string, agentId: string): Promise<SigningPolicy> {
    if (!ORG_ID.test(orgId) || !AGENT_ID.test(agentId)) return DEFAULT_POLICY;
    return (await policies.get(policyCacheKey(orgId, agentId))) ?? DEFAULT_POLICY;
  }

  return {
    /**
     * Resolves when the call may proceed, or throws the problem (401 signature_required,
     * bad_signature, stale_signature or replayed; 503 store_unavailable). A call without a
     * signature passes only when the agent's policy does not require one for `action`; a
     * signature that is sent must verify whatever the policy.
     */
    async verifyCommand(req: CommandRequest): Promise<VerifiedCommand> {
      const header = headerOf(req.headers, SIGNATURE_HEADER);
      if (header === undefined) {
        if (requiresSignature(await policyOf(req.orgId, req.agentId), req.action)) throw errors.required();
        return { signed: false, keyId: null };
      }
      const params = header === null ? undefined : parseSignature(header);
      if (!params) throw bad(req, '', 'malformed Gatehouse-Signature header');

      const now = clock.now().getTime();
      if (Math.abs(now / 1000 - params.timestamp) > WINDOW_SECONDS) throw errors.stale();

      if (!ORG_ID.test(req.orgId) || !AGENT_ID.test(req.agentId)) throw bad(req, params.keyId, 'bad caller');
      const key = await keys.get(`${req.orgId}/${params.keyId}`);
      if (!key || key.orgId !== req.orgId) throw bad(req, params.keyId, 'unknown key');
      if (key.agentId !== req.agentId) throw bad(req, params.keyId, "another agent's key");
      if (key.revoked) throw bad(req, params.keyId, 'revoked key');
      if (key.expiresAt <= now) throw bad(req, params.keyId, 'expired key');
      if (!METHOD.test(req.method) || !TARGET.test(req.pathWithQuery))
        throw bad(req, params.keyId, 'malformed method or request target');

      const digest = bodyDigest(req.body);
      const declared = headerOf(req.headers, DIGEST_HEADER);
      if (declared !== undefined) {
        const sha256 = declared === null ? undefined : contentDigestSha256(declared);
        if (!sha256 || !timingSafeEqual(sha256, Buffer.from(digest, 'base64url')))
          throw bad(req, params.keyId, 'Content-Digest does not match the body');
      }

      const canonical = canonicalString({
        keyId: params.keyId,
        method: req.method,
        pathWithQuery: req.pathWithQuery,
        timestamp: params.timestamp,
        nonce: params.nonce,
        bodyDigest: digest,
      });
      const expected = Buffer.from(hmac(unseal(sealKey, key.sealed, key.id), canonical), 'base64url');
      const given = Buffer.from(params.sig, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw bad(req, params.keyId, 'HMAC mismatch');

      // Last, so a refused signature does not use up its nonce. A signature is acceptable until
      // ts + window, so its nonce is remembered until then (and a second more), per key.
      const ttlMs = params.timestamp * 1000 + WINDOW_SECONDS * 1000 - now + 1000;
      let first: boolean;
      try {
        first = await store.setIfAbsent(`signing:nonce:${key.id}:${params.nonce}`, '1', ttlMs);
      } catch (err) {
        throw errors.storeDown(err);
      }
      if (!first) throw errors.replayed();
      touch(key, now);
      return { signed: true, keyId: key.id };
    },

    /** The agent's signing policy, cached; the default (optional) when none was set. */
    policyOf,

    keys,
    policies,

    /** Subscribes this node to key and policy changes made on any node; call once at start. */
    async start(): Promise<void> {
      await keys.start();
      await policies.start();
    },
  };
}
export type CommandVerifier = ReturnType<typeof createCommandVerifier>;
