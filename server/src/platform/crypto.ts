import { createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** A random secret of 256 bits, base64url, with a type prefix such as `ghs_`. */
export function randomSecret(prefix: string, bytes = 32): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

/** Derives a purpose-bound 32-byte key from the master key (HKDF-SHA256). */
export function deriveKey(masterKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `gatehouse/${purpose}`, 32));
}

/**
 * Keyed hash for machine-generated secrets (session and invitation tokens, later API keys):
 * they carry 256 bits of entropy, so a fast keyed hash is enough; a leaked table without
 * the pepper is useless. Secrets are looked up by their hash, so no comparison of secrets
 * happens in process. Human passwords use Argon2id instead (see passwords.ts).
 */
export function createSecretHasher(pepper: Buffer) {
  return {
    hash(secret: string): string {
      return createHmac('sha256', pepper).update(secret).digest('base64url');
    },
  };
}
export type SecretHasher = ReturnType<typeof createSecretHasher>;
