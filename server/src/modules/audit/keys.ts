import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { sql } from 'kysely';
import { seal, unseal } from '../../platform/crypto.js';
import type { Db, Q } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { generateKey, loadPrivateKey, signJws, verifyJws } from '../keys/algorithms.js';
import './signed-tables.js';

/** Signs audit statements (checkpoints, prune records) with the installation's newest audit key. */
export interface AuditSigner {
  kid: string;
  /** The Ed25519 signature of the UTF-8 bytes of `payload`, base64url. */
  sign(payload: string): string;
}

/**
 * The installation's audit signing keys: one Ed25519 key, created on first need, its private half
 * sealed at rest as token signing keys are. Keys are never deleted, so every statement ever
 * signed still verifies; the newest one signs.
 */
export function createAuditKeys({ db, sealKey }: { db: Db; sealKey: Buffer }) {
  let signer: Promise<AuditSigner> | undefined;

  async function load(): Promise<AuditSigner> {
    const row = await db.transaction(async (trx) => {
      // Nodes signing their first statement together create one key.
      await sql`select pg_advisory_xact_lock(hashtext('gatehouse.audit.keys'))`.execute(trx);
      const newest = await trx
        .selectFrom('audit_keys')
        .select(['kid', 'private_key_sealed'])
        .orderBy('created_at', 'desc')
        .orderBy('kid', 'desc')
        .executeTakeFirst();
      if (newest) return newest;
      const kid = newId('akey');
      const { publicJwk, privateDer } = generateKey('EdDSA');
      return trx
        .insertInto('audit_keys')
        .values({
          kid,
          public_jwk: JSON.stringify({ ...publicJwk, kid, alg: 'EdDSA', use: 'sig' }),
          private_key_sealed: seal(sealKey, privateDer, kid),
        })
        .returning(['kid', 'private_key_sealed'])
        .executeTakeFirstOrThrow();
    });
    const key = loadPrivateKey(unseal(sealKey, row.private_key_sealed, row.kid));
    return {
      kid: row.kid,
      sign: (payload) => signJws('EdDSA', key, Buffer.from(payload)).toString('base64url'),
    };
  }

  return {
    /**
     * The signer, loaded once per process. It opens its own transaction: on the embedded
     * database, call it before the transaction the signature goes into.
     */
    signer(): Promise<AuditSigner> {
      signer ??= load().catch((err: unknown) => {
        signer = undefined;
        throw err;
      });
      return signer;
    },

    /** Every audit public key as a JSON Web Key Set, newest first. */
    async jwks(): Promise<{ keys: Record<string, unknown>[] }> {
      const rows = await db.system
        .selectFrom('audit_keys')
        .select('public_jwk')
        .orderBy('created_at', 'desc')
        .orderBy('kid', 'desc')
        .execute();
      return { keys: rows.map((r) => r.public_jwk) };
    },
  };
}
export type AuditKeys = ReturnType<typeof createAuditKeys>;

/** The audit keys' public halves by kid, read through `q` (the app role may read them). */
export async function publicKeys(q: Q): Promise<Map<string, KeyObject>> {
  const rows = await q.selectFrom('audit_keys').select(['kid', 'public_jwk']).execute();
  return new Map(
    rows.map((r) => [r.kid, createPublicKey({ key: r.public_jwk as JsonWebKey, format: 'jwk' })]),
  );
}

/** Whether `signature` (base64url) is the signature of `payload` by the key `kid`. */
export function signedBy(keys: Map<string, KeyObject>, kid: string, payload: string, signature: string) {
  const key = keys.get(kid);
  return (
    key !== undefined && verifyJws('EdDSA', key, Buffer.from(payload), Buffer.from(signature, 'base64url'))
  );
}
