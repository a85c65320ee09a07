import { connectRooms, type RoomsClient, type RoomsOptions } from '../rooms.js';
import { type ClientAuth, clientAuthentication } from './client-auth.js';
import { discover, type ServerMetadata } from './discovery.js';
import { type DPoPKeyPair, DPoPProver } from './dpop.js';
import { type AccessToken, requestToken, type TokenRequestContext } from './token-request.js';

/** How an agent gets its tokens. */
export interface AgentClientOptions {
  /** The Gatehouse issuer URL, e.g. `https://gatehouse.example.com`; discovery starts here. */
  issuer: string;
  /** The credential's `client_id`. */
  clientId: string;
  /** How the client authenticates: a client secret, or a private key (`private_key_jwt`). */
  auth: ClientAuth;
  /** Scopes to ask for; the agent's allowed scopes when left out. */
  scope?: string | string[];
  /** RFC 8707 resource indicator(s): the audience the token is for. */
  resource?: string | string[];
  /**
   * DPoP (RFC 9449): `true` for a key pair generated for this client, or a key pair of your own.
   * Tokens then come bound to the key (`token_type: DPoP`), and `fetch` sends a proof with each.
   */
  dpop?: boolean | DPoPKeyPair;
  /** Get a new token this many seconds before the cached one expires. Default 60. */
  refreshAheadSeconds?: number;
  /** A fetch implementation; the global one by default. */
  fetch?: typeof fetch;
  /** The clock, in milliseconds since the epoch; `Date.now` by default. For tests. */
  now?: () => number;
}

/** RFC 8693 token exchange: act for the holder of `subjectToken`. */
export interface ExchangeOptions {
  /** The token of the agent or user this client acts for. */
  subjectToken: string;
  /** Default `urn:ietf:params:oauth:token-type:access_token`. */
  subjectTokenType?: string;
  /** Scopes to ask for; the server grants at most what both the subject and this actor may have. */
  scope?: string | string[];
  /** RFC 8707 resource indicator(s) for the exchanged token. */
  resource?: string | string[];
}

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** A space-separated scope, or none at all for an empty one (which would otherwise ask for nothing). */
const scopeParam = (scope: string | string[] | undefined) => {
  const joined = Array.isArray(scope) ? scope.join(' ') : scope;
  return joined?.trim() ? joined : undefined;
};

/** The body of a request that can be sent twice: a stream is read by the first send. */
const replayable = (init: RequestInit) => !(init.body instanceof ReadableStream);

/**
 * An agent's OAuth client for Gatehouse: client_credentials tokens, cached and refreshed ahead
 * of expiry, with concurrent callers sharing one request; client_secret or private_key_jwt
 * authentication; optional DPoP; and RFC 8693 token exchange.
 *
 * ```ts
 * const agent = new AgentClient({ issuer, clientId, auth: { type: 'client_secret', secret } });
 * const res = await agent.fetch('https://api.example.com/invoices');
 * ```
 */
export class AgentClient {
  readonly #options: AgentClientOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #refreshAheadMs: number;
  readonly #dpop: DPoPProver | undefined;
  readonly #ctx: TokenRequestContext;
  #metadata: Promise<ServerMetadata> | undefined;
  #cached: AccessToken | undefined;
  #inflight: Promise<AccessToken> | undefined;

  constructor(options: AgentClientOptions) {
    this.#options = { ...options, issuer: options.issuer.replace(/\/+$/, '') };
    // Called unbound: a window's fetch refuses another `this`.
    const f = options.fetch ?? globalThis.fetch;
    this.#fetch = (input, init) => f(input, init);
    this.#now = options.now ?? Date.now;
    this.#refreshAheadMs = Math.max(0, options.refreshAheadSeconds ?? 60) * 1000;
    this.#dpop = options.dpop
      ? new DPoPProver(options.dpop === true ? undefined : options.dpop, this.#now)
      : undefined;
    this.#ctx = {
      fetch: this.#fetch,
      now: this.#now,
      authenticate: clientAuthentication(options.clientId, options.auth, this.#now),
      dpop: this.#dpop,
    };
  }

  /** The issuer's RFC 8414 metadata, fetched once; a failed fetch is retried on the next call. */
  metadata(): Promise<ServerMetadata> {
    if (!this.#metadata) {
      const pending = discover(this.#options.issuer, this.#fetch);
      this.#metadata = pending;
      pending.catch(() => {
        if (this.#metadata === pending) this.#metadata = undefined;
      });
    }
    return this.#metadata;
  }

  /** The access token to send, from the cache while it is fresh. */
  async getToken(): Promise<string> {
    return (await this.getAccessToken()).accessToken;
  }

  /**
   * The cached token with its type, expiry and scopes. Within `refreshAheadSeconds` of expiry a
   * new one is fetched; callers arriving meanwhile share that one request, and when it fails
   * they all get its error and the next call tries again.
   */
  getAccessToken(): Promise<AccessToken> {
    const cached = this.#cached;
    if (cached && this.#now() < cached.expiresAt - this.#refreshAheadMs) return Promise.resolve(cached);
    this.#inflight ??= this.#refresh();
    return this.#inflight;
  }

  /** Forgets the cached token, e.g. after a resource server refused it. */
  invalidate(): void {
    this.#cached = undefined;
  }

  /** The RFC 7638 thumbprint of the DPoP key (a bound token's `cnf.jkt`); undefined without DPoP. */
  async dpopThumbprint(): Promise<string | undefined> {
    return this.#dpop?.thumbprint();
  }

  async #refresh(): Promise<AccessToken> {
    try {
      const { scope, resource } = this.#options;
      const token = await requestToken(this.#ctx, (await this.metadata()).token_endpoint, {
        grant_type: 'client_credentials',
        scope: scopeParam(scope),
        resource,
      });
      this.#cached = token;
      return token;
    } finally {
      this.#inflight = undefined;
    }
  }

  /**
   * Connects to the hub's rooms as this agent (sdk/src/rooms.ts), with its cached tokens: the
   * connection refreshes them and outlives each one. A DPoP-bound token is refused over the
   * socket (`dpop_unsupported`), so use a client without `dpop` for rooms.
   */
  rooms(options: Omit<RoomsOptions, 'url' | 'token'> = {}): Promise<RoomsClient> {
    return connectRooms({
      url: this.#options.issuer,
      token: () => this.getToken(),
      fetch: this.#fetch,
      ...options,
    });
  }

  /**
   * RFC 8693 token exchange: a token for acting on behalf of the subject, with this client as
   * the actor (`act`). Not cached: each subject token gets its own.
   */
  async exchange(options: ExchangeOptions): Promise<AccessToken> {
    return requestToken(this.#ctx, (await this.metadata()).token_endpoint, {
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: options.subjectToken,
      subject_token_type: options.subjectTokenType ?? ACCESS_TOKEN_TYPE,
      scope: scopeParam(options.scope),
      resource: options.resource,
    });
  }

  /**
   * `fetch` with this agent's token: `Authorization: DPoP` and a fresh proof bound to the token
   * (`ath`) for a DPoP token, `Authorization: Bearer` otherwise. A 401 that asks for a new DPoP
   * nonce is retried once with it, unless the body is a stream that cannot be sent twice.
   */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const method = init.method ?? 'GET';
    const send = async () => {
      const token = await this.getAccessToken();
      const headers = new Headers(init.headers);
      const dpop = this.#dpop && token.tokenType.toLowerCase() === 'dpop' ? this.#dpop : undefined;
      const proof = dpop && (await dpop.proof(method, target, token.accessToken));
      headers.set('authorization', `${proof ? 'DPoP' : 'Bearer'} ${token.accessToken}`);
      if (proof) headers.set('dpop', proof.jwt);
      const res = await this.#fetch(target, { ...init, headers });
      const nonce = dpop?.remember(target, res);
      return { res, newNonce: nonce !== undefined && nonce !== proof?.nonce };
    };
    const first = await send();
    const asksNonce = /error="?use_dpop_nonce/.test(first.res.headers.get('www-authenticate') ?? '');
    if (first.res.status !== 401 || !first.newNonce || !asksNonce || !replayable(init)) return first.res;
    await first.res.body?.cancel();
    return (await send()).res;
  }
}
