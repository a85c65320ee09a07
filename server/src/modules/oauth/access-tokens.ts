import type { Clock } from '../../platform/clock.js';
import type { ActClaim, AgentPrincipal } from '../../platform/context.js';
import type { AgentService } from '../agents/service.js';
import type { CredentialService } from '../credentials/service.js';
import type { DelegationService } from '../delegations/service.js';
import { verifyJws } from '../keys/algorithms.js';
import type { KeyService } from '../keys/service.js';
import type { OrgService } from '../orgs/service.js';
import type { RevocationList } from './revocations.js';

export type { ActClaim };

/** The claims of a Gatehouse access token (RFC 9068). */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  client_id: string;
  scope: string;
  org_id: string;
  act?: ActClaim;
  cnf?: { jkt: string };
  /** The delegation grants a delegated token was issued under, outermost last. */
  dlg?: string[];
}

/** Why a token is refused. Callers answer invalid_token (or inactive) whatever the reason. */
export class InvalidToken extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'InvalidToken';
  }
}

const SKEW_SECONDS = 30;
const MAX_TOKEN_LENGTH = 8192;
/** Verified tokens remembered (about 1 KiB each): enough for every agent active at once. */
const VERIFIED_CACHE_SIZE = 10_000;

interface Deps {
  clock: Clock;
  issuer: string;
  keys: Pick<KeyService, 'verificationKey'>;
  revocations: Pick<RevocationList, 'isRevoked'>;
  agents: Pick<AgentService, 'getActive'>;
  credentials: Pick<CredentialService, 'isClientLive'>;
  delegations: Pick<DelegationService, 'allActive'>;
  orgs: Pick<OrgService, 'isCurrentMember'>;
}

function json(part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
  return value as Record<string, unknown>;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function claimsOf(p: Record<string, unknown>): AccessTokenClaims {
  const audOk = isString(p.aud) || (Array.isArray(p.aud) && p.aud.every(isString));
  const ok =
    isString(p.iss) &&
    isString(p.sub) &&
    audOk &&
    isNumber(p.exp) &&
    isNumber(p.iat) &&
    isNumber(p.nbf) &&
    isString(p.jti) &&
    isString(p.client_id) &&
    isString(p.scope) &&
    isString(p.org_id) &&
    (p.dlg === undefined || (Array.isArray(p.dlg) && p.dlg.every(isString)));
  if (!ok) throw new InvalidToken('a required claim is missing or malformed');
  return p as unknown as AccessTokenClaims;
}

/** The agents a token stands for: its subject when it is an agent, and every agent in its act chain. */
export function agentsOf(claims: AccessTokenClaims): string[] {
  const ids = claims.sub.startsWith('agt_') ? [claims.sub] : [];
  for (let a = claims.act; a; a = a.act) if (a.sub.startsWith('agt_')) ids.push(a.sub);
  return ids;
}

/** How many actors a token's act chain holds (0 for a token used by its own subject). */
export function chainDepth(claims: Pick<AccessTokenClaims, 'act'>): number {
  let depth = 0;
  for (let a = claims.act; a; a = a.act) depth++;
  return depth;
}

/** The agent a live token of an agent's (sub `agt_…`) stands for, as routes and sockets see it. */
export const agentPrincipalOf = (claims: AccessTokenClaims): AgentPrincipal => ({
  type: 'agent',
  agentId: claims.sub,
  orgId: claims.org_id,
  clientId: claims.client_id,
  scopes: claims.scope.split(' ').filter(Boolean),
  tokenId: claims.jti,
  ...(claims.act ? { act: claims.act } : {}),
});

/**
 * Verifies Gatehouse's own access tokens: the signature with the key the header names (from
 * memory), the claims, and that nothing behind the token has ended — not revoked, every agent
 * in it active, its client's credential live, every delegation grant it was issued under
 * standing. One function for protected routes, introspection and token exchange, so each refuses
 * the same tokens.
 */
export function createAccessTokenVerifier(deps: Deps) {
  const { clock, issuer, keys } = deps;

  /**
   * Tokens whose signature already checked out, by their exact text: a signature is a pure
   * function of the bytes and the key, so a hit skips the Ed25519/ECDSA/RSA verification (a
   * quarter of a token-authenticated request's CPU). The key is still looked up on every hit, so
   * a key that is gone fails the token as before; expiry and revocation are checked by `live`.
   */
  const verified = new Map<string, { claims: AccessTokenClaims; kid: string; alg: string }>();

  async function keyStillSigns(hit: { claims: AccessTokenClaims; kid: string; alg: string }) {
    const key = await keys.verificationKey(hit.kid);
    return key !== undefined && key.alg === hit.alg && key.orgId === hit.claims.org_id;
  }

  /** Signature, typ and issuer only: the token is one Gatehouse signed, whatever its state. */
  async function decode(token: string): Promise<AccessTokenClaims> {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidToken('token too long');
    const hit = verified.get(token);
    if (hit) {
      if (await keyStillSigns(hit)) return hit.claims;
      verified.delete(token);
    }
    const claims = await verifySignature(token);
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
    verified.set(token, claims);
    return claims.claims;
  }

  async function verifySignature(token: string) {
    const parts = token.split('.');
    if (parts.length !== 3) throw new InvalidToken('not a compact JWS');
    const [h = '', p = '', s = ''] = parts;
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      header = json(h);
      payload = json(p);
    } catch {
      throw new InvalidToken('malformed token');
    }
    if (header.typ !== 'at+jwt') throw new InvalidToken('not an access token (typ must be at+jwt)');
    if (header.crit !== undefined) throw new InvalidToken('unsupported crit header');
    const key = isString(header.kid) ? await keys.verificationKey(header.kid) : undefined;
    // The key's own algorithm, never the header's choice alone: no alg confusion, no "none".
    if (!key || header.alg !== key.alg) throw new InvalidToken('unknown signing key');
    if (!verifyJws(key.alg, key.key, Buffer.from(`${h}.${p}`), Buffer.from(s, 'base64url'))) {
      throw new InvalidToken('bad signature');
    }
    const claims = claimsOf(payload);
    if (claims.iss !== issuer) throw new InvalidToken('wrong issuer');
    if (claims.org_id !== key.orgId) throw new InvalidToken('signed by another organization');
    return { claims: Object.freeze(claims), kid: key.kid, alg: key.alg };
  }

  /** Whether everything behind a decoded token still stands. */
  async function live(claims: AccessTokenClaims): Promise<string | undefined> {
    const now = clock.now().getTime() / 1000;
    if (claims.exp <= now - SKEW_SECONDS) return 'expired';
    if (claims.nbf > now + SKEW_SECONDS) return 'not yet valid';
    const [revoked, clientLive, grantsLive, userLive, ...agents] = await Promise.all([
      deps.revocations.isRevoked(claims.jti),
      deps.credentials.isClientLive(claims.org_id, claims.client_id),
      claims.dlg ? deps.delegations.allActive(claims.org_id, claims.dlg) : true,
      claims.sub.startsWith('usr_') ? deps.orgs.isCurrentMember(claims.org_id, claims.sub) : true,
      ...agentsOf(claims).map((id) => deps.agents.getActive(claims.org_id, id)),
    ]);
    if (revoked) return 'revoked';
    if (!grantsLive) return 'a delegation grant it was issued under is revoked or expired';
    if (!userLive) return 'the user it acts for no longer belongs to the organization';
    if (agents.some((a) => a === null)) return 'an agent is suspended, archived or gone';
    if (!clientLive) return 'the credential is revoked or expired';
    return undefined;
  }

  return {
    decode,

    /**
     * A live token, or InvalidToken. `audience`, when given, must be among the token's aud:
     * a token for another resource server is not accepted here.
     */
    async verify(token: string, opts: { audience?: string } = {}): Promise<AccessTokenClaims> {
      const claims = await decode(token);
      const why = await live(claims);
      if (why) throw new InvalidToken(why);
      if (opts.audience !== undefined) {
        const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
        if (!aud.includes(opts.audience)) throw new InvalidToken('the token is for another audience');
      }
      return claims;
    },
  };
}
export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;
