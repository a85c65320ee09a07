import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { SecretHasher } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import { createCoherentCache } from '../../platform/store/coherent-cache.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AgentService } from '../agents/service.js';
import { credentialsRepo as repo } from './repo.js';
import { apiKeyPrefix, hashesEqual, MAX_SECRET_LENGTH } from './secrets.js';
import type { Credential, CredentialType, Jwks } from './tables.js';

/** An authenticated client: the agent a token will be issued to, and the credential it used. */
export interface ClientAuth {
  orgId: string;
  agentId: string;
  credentialId: string;
  /** The OAuth client id; for an API key (which has none), the credential id. */
  clientId: string;
  type: CredentialType;
}

/** A private_key_jwt client with the public keys its assertions must verify against. */
export type RegisteredClient = ClientAuth & { jwks?: Jwks; jwksUri?: string };

/** A credential row as the hot path needs it: hashes decoded, times in epoch ms. */
export interface CredentialRecord {
  auth: ClientAuth;
  secretHash: Buffer | null;
  previousSecretHash: Buffer | null;
  /** 0 when there is no previous secret. */
  previousValidUntil: number;
  /** Infinity when the credential does not expire. */
  expiresAt: number;
  revoked: boolean;
  lastUsedAt: number;
  jwks: Jwks | null;
  jwksUri: string | null;
}

const decode = (hash: string | null) => (hash === null ? null : Buffer.from(hash, 'base64url'));

/** Cached values are shared by every caller: frozen, so no caller can change another's answer. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}

const recordOf = (c: Credential): CredentialRecord => ({
  auth: Object.freeze({
    orgId: c.org_id,
    agentId: c.agent_id,
    credentialId: c.id,
    clientId: c.client_id ?? c.id,
    type: c.type,
  }),
  secretHash: decode(c.secret_hash),
  previousSecretHash: decode(c.previous_secret_hash),
  previousValidUntil: c.previous_valid_until?.getTime() ?? 0,
  expiresAt: c.expires_at?.getTime() ?? Number.POSITIVE_INFINITY,
  revoked: c.revoked_at !== null,
  lastUsedAt: c.last_used_at?.getTime() ?? 0,
  jwks: c.jwks && deepFreeze(c.jwks),
  jwksUri: c.jwks_uri,
});

/** Every cache key a credential is found under: its public identifier and its id. */
export const cacheKeysOf = (c: Pick<Credential, 'id' | 'org_id' | 'client_id' | 'key_prefix'>) => [
  `id:${c.org_id}/${c.id}`,
  c.client_id ? `client:${c.client_id}` : `prefix:${c.key_prefix}`,
];

/** Every node drops the keys a message lists (see cacheKeysOf) on this channel. */
export const CREDENTIALS_CHANNEL = 'credentials.changed';

const CLIENT_ID = /^ghc_[0-9a-z]{26}$/;
const ORG_ID = /^org_[0-9a-z]{26}$/;
const CREDENTIAL_ID = /^crd_[0-9a-z]{26}$/;
/** last_used_at is written at most this often per credential. */
const TOUCH_EVERY_MS = 60_000;
const MAX_TOUCHED = 10_000;

interface Deps {
  db: Db;
  store: EphemeralStore;
  clock: Clock;
  log: Logger;
  hasher: SecretHasher;
  agents: Pick<AgentService, 'getActive'>;
}

/**
 * Client authentication for the token endpoint, introspection and API-key sessions. Lookups go
 * through an in-process cache (no database query per request) that every node drops on rotation
 * and revocation; expiry and the rotation grace are judged on each call by the clock.
 */
export function createClientAuthenticator(deps: Deps) {
  const { db, clock, log, hasher, agents } = deps;

  const cache = createCoherentCache<CredentialRecord>({
    ...deps,
    channel: CREDENTIALS_CHANNEL,
    // Unknown client ids and key prefixes cost one query per interval, not one per request.
    missTtlMs: 5_000,
    load: async (key) => {
      const at = key.indexOf(':');
      const kind = key.slice(0, at);
      const value = key.slice(at + 1);
      let row: Credential | undefined;
      if (kind === 'client') row = await repo.findByClientId(db.system, value);
      else if (kind === 'prefix') row = await repo.findByKeyPrefix(db.system, value);
      else {
        const [orgId = '', id = ''] = value.split('/');
        row = await db.tenant(orgId, (trx) => repo.findById(trx, orgId, id));
      }
      return row ? recordOf(row) : null;
    },
  });

  // Per node, when each credential's use was last written; the SQL also skips a recent write.
  const touched = new Map<string, number>();
  function touch(auth: ClientAuth, lastUsedAt: number, now: number) {
    if (now - Math.max(lastUsedAt, touched.get(auth.credentialId) ?? 0) < TOUCH_EVERY_MS) return;
    touched.delete(auth.credentialId);
    touched.set(auth.credentialId, now);
    if (touched.size > MAX_TOUCHED) touched.delete(touched.keys().next().value as string);
    // Off the critical path: the caller does not wait for it, and a failure only loses a timestamp.
    db.tenant(auth.orgId, (trx) =>
      repo.touch(trx, auth.orgId, auth.credentialId, new Date(now), new Date(now - TOUCH_EVERY_MS)),
    ).catch((err: Error) =>
      log.warn({ err: err.message, credentialId: auth.credentialId }, 'credential last_used_at not written'),
    );
  }

  /** Not revoked, not expired, and its agent active (suspended or archived agents get nothing). */
  async function usable(r: CredentialRecord, now: number) {
    if (r.revoked || r.expiresAt <= now) return false;
    return (await agents.getActive(r.auth.orgId, r.auth.agentId)) !== null;
  }

  /** Both hashes are always compared, so timing does not tell which secret matched. */
  function secretMatches(r: CredentialRecord, presented: Buffer, now: number) {
    const current = hashesEqual(presented, r.secretHash);
    const previous = hashesEqual(presented, r.previousSecretHash) && now < r.previousValidUntil;
    return current || previous;
  }

  /** Whether the credential can be used right now: not revoked, not expired, its agent active. */
  async function isLive(orgId: string, credentialId: string): Promise<boolean> {
    if (!ORG_ID.test(orgId) || !CREDENTIAL_ID.test(credentialId)) return false;
    const r = await cache.get(`id:${orgId}/${credentialId}`);
    return r !== null && r.auth.orgId === orgId && (await usable(r, clock.now().getTime()));
  }

  async function authenticate(key: string, type: CredentialType, secret: string) {
    const presented = Buffer.from(hasher.hash(secret), 'base64url');
    const now = clock.now().getTime();
    const r = await cache.get(key);
    if (r?.auth.type !== type || !secretMatches(r, presented, now) || !(await usable(r, now)))
      return undefined;
    touch(r.auth, r.lastUsedAt, now);
    return r.auth;
  }

  return {
    /**
     * client_secret_basic / client_secret_post. Undefined for an unknown client, a wrong secret,
     * the previous secret after its grace, a revoked or expired credential, or an agent that is
     * not active: the caller answers invalid_client whatever the reason.
     */
    authenticateSecret(clientId: string, secret: string): Promise<ClientAuth | undefined> {
      if (!CLIENT_ID.test(clientId) || secret.length > MAX_SECRET_LENGTH) return Promise.resolve(undefined);
      return authenticate(`client:${clientId}`, 'client_secret', secret);
    },

    /** An API key `gh_<prefix>_<secret>`: found by its prefix, then its HMAC compared in constant time. */
    authenticateApiKey(apiKey: string): Promise<ClientAuth | undefined> {
      const prefix = apiKeyPrefix(apiKey);
      if (!prefix) return Promise.resolve(undefined);
      return authenticate(`prefix:${prefix}`, 'api_key', apiKey);
    },

    /**
     * A usable private_key_jwt client with its jwks or jwks_uri; undefined for any other type.
     * The caller verifies the assertion, then calls markUsed: finding a client is not using it.
     */
    async findClient(clientId: string): Promise<RegisteredClient | undefined> {
      if (!CLIENT_ID.test(clientId)) return undefined;
      const r = await cache.get(`client:${clientId}`);
      if (r?.auth.type !== 'private_key_jwt' || !(await usable(r, clock.now().getTime()))) return undefined;
      return { ...r.auth, ...(r.jwks ? { jwks: r.jwks } : {}), ...(r.jwksUri ? { jwksUri: r.jwksUri } : {}) };
    },

    /** Records a use of a client found by findClient, once its assertion has verified. */
    markUsed(auth: ClientAuth): void {
      touch(auth, 0, clock.now().getTime());
    },

    isLive,

    /**
     * Whether the client a token names (its client_id: an OAuth client id, or an API key's
     * credential id) can still be used; a token outlives nothing its credential does.
     */
    isClientLive(orgId: string, clientId: string): Promise<boolean> {
      if (CREDENTIAL_ID.test(clientId)) return isLive(orgId, clientId);
      if (!CLIENT_ID.test(clientId)) return Promise.resolve(false);
      return cache
        .get(`client:${clientId}`)
        .then(async (r) => r !== null && r.auth.orgId === orgId && usable(r, clock.now().getTime()));
    },

    cache,
  };
}
export type ClientAuthenticator = ReturnType<typeof createClientAuthenticator>;
