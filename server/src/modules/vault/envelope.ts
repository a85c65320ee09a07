import { createHash, randomBytes } from 'node:crypto';
import { deriveKey, seal, unseal } from '../../platform/crypto.js';

/** The purpose the vault's wrapping keys are derived for (HKDF info `gatehouse/vault/v1`). */
const PURPOSE = 'vault/v1';

/** A wrapping key's public name: the first 16 hex of SHA-256 over the derived key (never the key). */
export const keyIdOf = (wrappingKey: Buffer) =>
  createHash('sha256').update(wrappingKey).digest('hex').slice(0, 16);

/** What a credential is stored as (integration_secrets columns). */
export interface SealedCredential {
  ciphertext: string;
  wrapped_key: string;
  key_id: string;
}

/** A stored value that does not open: altered, copied from another row, or under an unknown key. */
export class VaultSealError extends Error {
  constructor(
    message: string,
    readonly keyId: string,
  ) {
    super(message);
    this.name = 'VaultSealError';
  }
}

/**
 * The vault's wrapping keys: the current one, derived from GATEHOUSE_MASTER_KEY, wraps every new
 * data key; previous ones (GATEHOUSE_MASTER_KEY_PREVIOUS) still unwrap rows not yet rewrapped,
 * found by key id, so a master key rotation needs no downtime.
 */
export function createKeyring(masterKey: Buffer, previousMasterKeys: readonly Buffer[] = []) {
  const current = deriveKey(masterKey, PURPOSE);
  const currentId = keyIdOf(current);
  const byId = new Map<string, Buffer>([[currentId, current]]);
  for (const old of previousMasterKeys) {
    const key = deriveKey(old, PURPOSE);
    if (!byId.has(keyIdOf(key))) byId.set(keyIdOf(key), key);
  }
  const previousIds = [...byId.keys()].filter((id) => id !== currentId);

  function unwrap(rowId: string, row: Pick<SealedCredential, 'wrapped_key' | 'key_id'>): Buffer {
    const key = byId.get(row.key_id);
    if (!key) throw new VaultSealError(`no configured master key has the id ${row.key_id}`, row.key_id);
    try {
      return unseal(key, row.wrapped_key, rowId);
    } catch {
      throw new VaultSealError('the data key does not open', row.key_id);
    }
  }

  return {
    currentId,
    /** Ids of the previous keys configured, which rewrap moves rows away from. */
    previousIds,

    /** Seals `plaintext` for the row `rowId` under a fresh data key, wrapped under the current key. */
    seal(rowId: string, plaintext: Buffer): SealedCredential {
      const dataKey = randomBytes(32);
      try {
        return {
          ciphertext: seal(dataKey, plaintext, rowId),
          wrapped_key: seal(current, dataKey, rowId),
          key_id: currentId,
        };
      } finally {
        dataKey.fill(0);
      }
    },

    /** Opens what `seal` produced for this row, under whichever configured key wrapped it. */
    open(rowId: string, row: SealedCredential): Buffer {
      const dataKey = unwrap(rowId, row);
      try {
        return unseal(dataKey, row.ciphertext, rowId);
      } catch {
        throw new VaultSealError('the credential does not open', row.key_id);
      } finally {
        dataKey.fill(0);
      }
    },

    /** The row's data key wrapped under the current key; the credential's ciphertext is untouched. */
    rewrap(rowId: string, row: Pick<SealedCredential, 'wrapped_key' | 'key_id'>) {
      const dataKey = unwrap(rowId, row);
      try {
        return { wrapped_key: seal(current, dataKey, rowId), key_id: currentId };
      } finally {
        dataKey.fill(0);
      }
    },
  };
}
export type VaultKeyring = ReturnType<typeof createKeyring>;
