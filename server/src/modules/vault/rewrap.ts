import type { Db } from '../../platform/db/database.js';
import type { AuditService } from '../audit/service.js';
import { type VaultKeyring, VaultSealError } from './envelope.js';

export interface RewrapResult {
  /** The current wrapping key's id. */
  keyId: string;
  rewrapped: number;
  /** Rows under a previous key whose data key did not open (tampered): left as they are. */
  failed: string[];
  /** Rows per key id after the run: the current key's, previous keys' (locked by a writer during the run), unknown keys'. */
  byKey: { keyId: string; count: number; state: 'current' | 'previous' | 'unknown' }[];
}

/**
 * Master key rotation for the vault: re-wraps data keys sealed under a previous master key
 * (GATEHOUSE_MASTER_KEY_PREVIOUS) under the current one, in small batches, each its own
 * transaction, so a server keeps serving meanwhile (it reads either key). Only the wrapped data
 * key changes; the credential's ciphertext is untouched. Runs across every org as the owner.
 */
export function createRewrap({ db, audit, keyring }: { db: Db; audit: AuditService; keyring: VaultKeyring }) {
  async function byKey(): Promise<RewrapResult['byKey']> {
    const rows = await db.system
      .selectFrom('integration_secrets')
      .select(['key_id', (eb) => eb.fn.countAll<string>().as('count')])
      .groupBy('key_id')
      .orderBy('key_id')
      .execute();
    return rows.map((r) => ({
      keyId: r.key_id,
      count: Number(r.count),
      state:
        r.key_id === keyring.currentId
          ? 'current'
          : keyring.previousIds.includes(r.key_id)
            ? 'previous'
            : 'unknown',
    }));
  }

  return {
    /** How many credentials each wrapping key holds (`gatehouse vault status`). */
    vaultKeyUsage: async () => ({ keyId: keyring.currentId, byKey: await byKey() }),

    /**
     * Moves every row under a previous key to the current one, `batchSize` rows per transaction
     * (rows a writer holds are skipped, not waited for). Running it again finds nothing to do.
     */
    async rewrap(
      opts: { batchSize?: number; actor?: { type: 'system'; id: string } } = {},
    ): Promise<RewrapResult> {
      const batchSize = opts.batchSize ?? 100;
      const actor = opts.actor ?? { type: 'system' as const, id: 'cli' };
      let rewrapped = 0;
      const failed: string[] = [];
      // A cursor, not "what is left", so a row that fails is passed once rather than forever.
      let after = '';
      while (keyring.previousIds.length) {
        const seen = await db.transaction(async (trx) => {
          const rows = await trx
            .selectFrom('integration_secrets')
            .select(['integration_id', 'org_id', 'wrapped_key', 'key_id'])
            .where('key_id', 'in', keyring.previousIds)
            .where('integration_id', '>', after)
            .orderBy('integration_id')
            .limit(batchSize)
            .forUpdate()
            .skipLocked()
            .execute();
          const perOrg = new Map<string, number>();
          for (const row of rows) {
            let next: { wrapped_key: string; key_id: string };
            try {
              next = keyring.rewrap(row.integration_id, row);
            } catch (err) {
              if (!(err instanceof VaultSealError)) throw err;
              failed.push(row.integration_id);
              continue;
            }
            await trx
              .updateTable('integration_secrets')
              .set(next)
              .where('integration_id', '=', row.integration_id)
              .where('key_id', '=', row.key_id)
              .execute();
            perOrg.set(row.org_id, (perOrg.get(row.org_id) ?? 0) + 1);
          }
          // One record per org in the batch's own transaction: the rotation is in each org's log.
          for (const [orgId, count] of perOrg) {
            await audit.record(trx, {
              orgId,
              actor,
              action: 'vault.rewrapped',
              target: { type: 'org', id: orgId },
              details: { count, to_key_id: keyring.currentId },
            });
          }
          rewrapped += [...perOrg.values()].reduce((a, b) => a + b, 0);
          return rows.at(-1)?.integration_id;
        });
        if (!seen) break;
        after = seen;
      }
      return { keyId: keyring.currentId, rewrapped, failed, byKey: await byKey() };
    },
  };
}
