import { hash, verify } from '@node-rs/argon2';

// Argon2id (the library's default algorithm) at OWASP's baseline: 19 MiB, 2 passes, 1 lane;
// ~12 ms here, right for humans.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** Argon2id for human passwords only; machine secrets use a keyed hash (platform/crypto.ts). */
export const passwords = {
  hash: (password: string) => hash(password, OPTIONS),
  verify: (stored: string, password: string) => verify(stored, password).catch(() => false),
};

let dummy: Promise<string> | undefined;
/** Spends the same time as a real check, so an unknown email cannot be told apart by timing. */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= passwords.hash('gatehouse-timing-equalizer');
  await passwords.verify(await dummy, password);
}
