import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { createCoherentCache } from '../../platform/store/coherent-cache.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import { type AuthMaterial, materialOf } from './auth.js';
import { type EgressPolicy, OPEN_POLICY } from './egress.js';
import { type VaultKeyring, VaultSealError } from './envelope.js';
import { vaultErrors } from './errors.js';
import { vaultRepo as repo } from './repo.js';
import type { Integration } from './tables.js';

/** An integration's opened credential, with what decides whether it may be used. */
export interface OpenedCredential {
  integration: Integration;
  material: AuthMaterial;
}

/** What the sealed payload holds: the type it was sealed for, so a row whose type was changed in the database is caught. */
interface Payload {
  type: string;
  credential: string;
}

export const sealPayload = (type: string, credential: string) =>
  Buffer.from(JSON.stringify({ type, credential } satisfies Payload));

interface Deps {
  db: Db;
  store: EphemeralStore;
  clock: Clock;
  log: Logger;
  keyring: VaultKeyring;
}

/**
 * The vault's in-process caches for the gateway's hot path, each kept coherent across nodes by
 * the store's pub/sub (platform/store/coherent-cache.ts):
 * - records: integrations by id and by name (`id:org/int_…`, `name:org/name`), misses kept 5 s;
 * - credentials: opened credentials by `org/int_…`, for 30 s at most (decrypted material stays in
 *   memory briefly and is dropped everywhere on any change);
 * - grants: `org/int_…/agt_…`, misses kept 5 s;
 * - egress: each org's policy.
 */
export function createVaultCaches(deps: Deps) {
  const { db, log, keyring } = deps;

  const records = createCoherentCache<Integration>({
    ...deps,
    channel: 'vault.integrations.changed',
    missTtlMs: 5_000,
    load: async (key) => {
      const m = /^(id|name):([^/]+)\/(.+)$/.exec(key);
      if (!m) return null;
      const [, kind, orgId = '', ref = ''] = m;
      return (
        (await db.tenant(orgId, (trx) =>
          kind === 'id' ? repo.get(trx, orgId, ref) : repo.byName(trx, orgId, ref),
        )) ?? null
      );
    },
  });

  const credentials = createCoherentCache<OpenedCredential>({
    ...deps,
    channel: 'vault.credentials.changed',
    ttlMs: 30_000,
    maxEntries: 5_000,
    load: async (key) => {
      const [orgId = '', id = ''] = key.split('/');
      const found = await db.tenant(orgId, async (trx) => {
        const integration = await repo.get(trx, orgId, id);
        const sealed = integration && (await repo.secret(trx, orgId, id));
        return integration && sealed ? { integration, sealed } : null;
      });
      if (!found) return null;
      const { integration, sealed } = found;
      try {
        const payload = JSON.parse(keyring.open(id, sealed).toString('utf8')) as Payload;
        if (payload.type !== integration.auth_type)
          throw new VaultSealError('the auth type does not match', sealed.key_id);
        return {
          integration,
          material: materialOf(integration.auth_type, integration.auth_meta, payload.credential),
        };
      } catch (err) {
        // Never the value: which row, which key, and why.
        log.error(
          { integration: id, orgId, keyId: sealed.key_id, err: (err as Error).message },
          'integration credential does not open',
        );
        throw vaultErrors.unreadable(err);
      }
    },
  });

  const grants = createCoherentCache<{ granted: true }>({
    ...deps,
    channel: 'vault.grants.changed',
    missTtlMs: 5_000,
    load: async (key) => {
      const [orgId = '', integrationId = '', agentId = ''] = key.split('/');
      const g = await db.tenant(orgId, (trx) => repo.getGrant(trx, orgId, integrationId, agentId));
      return g ? { granted: true } : null;
    },
  });

  const egress = createCoherentCache<EgressPolicy>({
    ...deps,
    channel: 'vault.egress.changed',
    load: async (orgId) => {
      const row = await db.tenant(orgId, (trx) => repo.egress(trx, orgId));
      return row ? { hosts: row.hosts, allow_private: row.allow_private } : OPEN_POLICY;
    },
  });

  return {
    records,
    credentials,
    grants,
    egress,
    keys: {
      id: (orgId: string, id: string) => `id:${orgId}/${id}`,
      name: (orgId: string, name: string) => `name:${orgId}/${name}`,
      credential: (orgId: string, id: string) => `${orgId}/${id}`,
      grant: (orgId: string, integrationId: string, agentId: string) =>
        `${orgId}/${integrationId}/${agentId}`,
    },
    start: () => Promise.all([records.start(), credentials.start(), grants.start(), egress.start()]),
    stop: () => Promise.all([records.stop(), credentials.stop(), grants.stop(), egress.stop()]),
  };
}
export type VaultCaches = ReturnType<typeof createVaultCaches>;
