import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { algOf, type PrivateKey, publicJwk, signingKey } from './keys.js';

/** A DPoP key pair of your own (RFC 9449); by default the client generates a non-extractable one. */
export interface DPoPKeyPair {
  privateKey: PrivateKey;
  /** The public key, put in every proof's `jwk` header. */
  publicJwk: JWK;
  /** The JWS alg; inferred from the key when left out. */
  alg?: string;
}

interface ReadyKey {
  key: Awaited<ReturnType<typeof signingKey>>;
  jwk: JWK;
  alg: string;
}

/** The proof's htu: the target URI without query and fragment (RFC 9449 §4.2). */
export function htu(url: string | URL): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** base64url(SHA-256(access token)): the `ath` claim binding a proof to the token it carries. */
async function ath(accessToken: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken));
  return base64url.encode(new Uint8Array(digest));
}

async function readyKey(given: DPoPKeyPair | undefined): Promise<ReadyKey> {
  if (!given) {
    // ES256 is the one DPoP alg every server is expected to accept.
    const pair = await generateKeyPair('ES256', { extractable: false });
    return { key: pair.privateKey, jwk: publicJwk(await exportJWK(pair.publicKey)), alg: 'ES256' };
  }
  const alg = given.alg ?? algOf(given.publicJwk) ?? algOf(given.privateKey);
  if (!alg) throw new TypeError('cannot tell the alg of the DPoP key: give dpop.alg');
  return { key: await signingKey(given.privateKey, alg), jwk: publicJwk(given.publicJwk), alg };
}

/**
 * Makes DPoP proofs with one key and remembers the latest `DPoP-Nonce` each server gave
 * (RFC 9449 §8, §9): the authorization server and each resource server keep their own.
 */
export class DPoPProver {
  readonly #given: DPoPKeyPair | undefined;
  #ready: Promise<ReadyKey> | undefined;
  readonly #nonces = new Map<string, string>();
  readonly #now: () => number;

  constructor(given: DPoPKeyPair | undefined, now: () => number) {
    this.#given = given;
    this.#now = now;
  }

  #key(): Promise<ReadyKey> {
    this.#ready ??= readyKey(this.#given);
    return this.#ready;
  }

  /** The RFC 7638 thumbprint of the public key: what a bound token's `cnf.jkt` names. */
  async thumbprint(): Promise<string> {
    return calculateJwkThumbprint((await this.#key()).jwk, 'sha256');
  }

  /** A fresh proof for one request, with the nonce it carries; with `accessToken`, bound to it by `ath`. */
  async proof(
    method: string,
    url: string | URL,
    accessToken?: string,
  ): Promise<{ jwt: string; nonce?: string }> {
    const { key, jwk, alg } = await this.#key();
    const nonce = this.#nonces.get(new URL(url).origin);
    const claims = {
      htm: method.toUpperCase(),
      htu: htu(url),
      ...(nonce ? { nonce } : {}),
      ...(accessToken ? { ath: await ath(accessToken) } : {}),
    };
    const jwt = await new SignJWT(claims)
      .setProtectedHeader({ typ: 'dpop+jwt', alg, jwk })
      .setIssuedAt(Math.floor(this.#now() / 1000))
      .setJti(crypto.randomUUID())
      .sign(key);
    return nonce ? { jwt, nonce } : { jwt };
  }

  /** Keeps the server's newest nonce from a response, and returns it (undefined when none came). */
  remember(url: string | URL, res: Response): string | undefined {
    const nonce = res.headers.get('dpop-nonce') ?? undefined;
    if (nonce) this.#nonces.set(new URL(url).origin, nonce);
    return nonce;
  }
}
