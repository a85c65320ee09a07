import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

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

/**
 * AES-256-GCM under `key`, bound to `context` (additional data, e.g. the row id), so a
 * sealed value copied onto another row does not open. Format: `v1.<iv>.<tag>.<ciphertext>`.
 */
export function seal(key: Buffer, plaintext: Buffer, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ciphertext]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** Opens what `seal` produced with the same key and context; throws if anything was altered. */
export function unseal(key: Buffer, sealed: string, context: string): Buffer {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new Error('not a sealed value');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}
