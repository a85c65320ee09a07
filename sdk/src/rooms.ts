import { io, type Socket } from 'socket.io-client';
import { RoomsError } from './rooms/errors.js';
import { SeqOrder } from './rooms/order.js';
import { refreshDelay, type TokenSource, tokenGetter, tokenTimes } from './rooms/token.js';
import type {
  HistoryPage,
  PresenceUpdate,
  PrincipalRef,
  ReplayTruncated,
  Room,
  RoomMessage,
  RoomsSession,
  TypingUpdate,
} from './rooms/types.js';

export { RoomsError } from './rooms/errors.js';
export type { TokenSource } from './rooms/token.js';
export type * from './rooms/types.js';

export interface RoomsOptions {
  /** The Gatehouse base URL (its issuer), e.g. `https://gatehouse.example.com`. */
  url: string;
  /**
   * An access token, or a function returning a fresh one each call, e.g. `() => agent.getToken()`.
   * Only a function lets the client refresh the token and reconnect after it expired.
   */
  token: TokenSource;
  /** How long to wait for the server's ack before sending again. Default 10 000 ms. */
  ackTimeoutMs?: number;
  /** How many times `send` tries before it gives up with `ack_timeout`. Default 5. */
  sendAttempts?: number;
  /** Send a fresh token this many seconds before the current one expires (at most half its lifetime). Default 30. */
  refreshAheadSeconds?: number;
  /**
   * socket.io transports. Default `['websocket']`: long-polling needs sticky sessions behind a
   * load balancer, and an agent's runtime always has WebSocket.
   */
  transports?: ('websocket' | 'polling' | 'webtransport')[];
  /** For `history`; the global fetch by default. */
  fetch?: typeof fetch;
}

export interface SendOptions {
  data?: Record<string, unknown>;
  /** The id of a message in the same room this one answers. */
  replyTo?: string;
  /** The idempotency key; generated when left out. Every attempt of this send uses the same one. */
  clientMsgId?: string;
}

export interface SendResult {
  message: RoomMessage;
  /** True when the server had already stored a message with this `clientMsgId`. */
  duplicate: boolean;
}

/** What `on` delivers, by event name. */
export interface RoomsEvents {
  /** A new message, once per id, whether live or replayed after a reconnect. */
  message: RoomMessage;
  'message:updated': RoomMessage;
  /** The tombstone of a deleted message. */
  'message:deleted': RoomMessage;
  presence: PresenceUpdate;
  typing: TypingUpdate;
  /** A reconnect missed more than the server replays: page the rest with `history`. */
  truncated: ReplayTruncated;
  /** After every (re)connection. */
  session: RoomsSession;
  disconnect: { reason: string };
  /** Something without a caller to throw to: a refused reconnection (then the client is closed), a failed token refresh, rate limiting. */
  error: RoomsError;
}
export type RoomsEvent = keyof RoomsEvents;
type Listener<E extends RoomsEvent> = (payload: RoomsEvents[E]) => void;

type Ack<T> = ({ ok: true } & T) | { ok: false; error: { code: string; message: string } };

/**
 * Refusals that pass: a node starting or stopping (a rolling deploy), a handshake over the
 * agent's rate limit, a fault. The client tries again, waiting 1 s, 2 s, 4 s… (at most 8 times in
 * a row); any other refusal closes it.
 */
const TRANSIENT = new Set(['not_ready', 'rate_limited', 'internal']);
const MAX_BACKOFF_STEPS = 8;

/** Recent message ids kept per room to drop a message seen twice (a replay overlapping the live feed). */
const SEEN_PER_ROOM = 1000;
/** How long a message that came ahead of its turn waits for those before it. */
const AHEAD_WAIT_MS = 2000;

const roomOf = (event: RoomsEvent, payload: unknown): string | undefined => {
  const p = payload as { room?: string; room_id?: string };
  return event.startsWith('message') ? p.room_id : p.room;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 128 random bits as hex; getRandomValues, unlike randomUUID, exists on a page served over plain HTTP too. */
const newClientMsgId = () =>
  Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');

/**
 * Connects to the hub (docs/hub.md) and resolves once the server has sent the session; rejects
 * with a RoomsError when the server refuses the handshake (`invalid_token`, `agent_inactive`, …).
 *
 * ```ts
 * const rooms = await connectRooms({ url, token: () => agent.getToken() });
 * rooms.on('message', 'rm_…', (m) => console.log(m.sender.id, m.body));
 * await rooms.send('rm_…', 'hello');
 * ```
 */
export async function connectRooms(options: RoomsOptions): Promise<RoomsClient> {
  const client = new RoomsClient(options);
  await client.started;
  return client;
}

/**
 * A live connection to the hub's rooms. It refreshes its token before it expires, reconnects
 * with a fresh one, replays what it missed (tracking the last seq of each room), delivers each
 * message once, and retries `send` with the same idempotency key until the server acknowledges it.
 */
export class RoomsClient {
  /** The socket.io socket underneath, for what this client does not cover. */
  readonly socket: Socket;
  /** Settles with the first session, or the first refusal. */
  readonly started: Promise<void>;
  readonly #base: string;
  readonly #token: () => Promise<string>;
  readonly #fetch: typeof fetch;
  readonly #ackTimeoutMs: number;
  readonly #sendAttempts: number;
  readonly #refreshAheadMs: number;
  readonly #lastSeq = new Map<string, number>();
  readonly #seen = new Map<string, Set<string>>();
  readonly #order = new SeqOrder(
    AHEAD_WAIT_MS,
    (room) => this.#lastSeq.get(room),
    (m) => this.#deliver(m),
  );
  /** Rooms left with `leave`: the server puts a member back in on every connection. */
  readonly #left = new Set<string>();
  readonly #listeners = new Map<RoomsEvent, Set<{ room: string | undefined; fn: Listener<RoomsEvent> }>>();
  #session: RoomsSession | undefined;
  #ready = false;
  #waiters: { resolve: () => void; reject: (err: RoomsError) => void }[] = [];
  #closed: RoomsError | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Refused handshakes in a row that were worth another try. */
  #retry = 0;
  #currentToken: string | undefined;

  constructor(options: RoomsOptions) {
    this.#base = options.url.replace(/\/+$/, '');
    this.#token = tokenGetter(options.token);
    const f = options.fetch ?? globalThis.fetch;
    this.#fetch = (input, init) => f(input, init);
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.#sendAttempts = Math.max(1, options.sendAttempts ?? 5);
    this.#refreshAheadMs = (options.refreshAheadSeconds ?? 30) * 1000;
    this.socket = io(`${this.#base}/agents`, {
      transports: options.transports ?? ['websocket'],
      autoConnect: false,
      // Called before every connection attempt, so a reconnection never presents an expired token.
      auth: (cb) =>
        void this.#handshake().then((auth) => {
          if (!this.#closed) cb(auth);
        }),
    });
    this.started = new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
    // A caller that never awaits `started` must not see an unhandled rejection.
    this.started.catch(() => {});
    this.#listen();
    this.socket.connect();
  }

  /** Who this client is and the rooms it was put in, from the latest connection. */
  get session(): RoomsSession | undefined {
    return this.#session;
  }

  get connected(): boolean {
    return this.#ready;
  }

  /** The seq of the newest message this client has seen in `room`, which a reconnection resumes after. */
  lastSeq(room: string): number | undefined {
    return this.#lastSeq.get(room);
  }

  /** Every room's events, or one room's; returns the unsubscribe function. */
  on<E extends RoomsEvent>(event: E, listener: Listener<E>): () => void;
  on<E extends RoomsEvent>(event: E, room: string, listener: Listener<E>): () => void;
  on<E extends RoomsEvent>(event: E, a: string | Listener<E>, b?: Listener<E>): () => void {
    const entry = {
      room: typeof a === 'string' ? a : undefined,
      fn: (typeof a === 'string' ? b : a) as Listener<RoomsEvent>,
    };
    const set = this.#listeners.get(event) ?? new Set();
    this.#listeners.set(event, set);
    set.add(entry);
    return () => void set.delete(entry);
  }

  /** Joins a room's live feed (a public room makes this principal a member). */
  async join(room: string): Promise<{ room: Room; present: PrincipalRef[] }> {
    const res = await this.#request<{ room: Room; present: PrincipalRef[] }>('room:join', { room });
    this.#left.delete(room);
    // What was posted while this client did not follow the room is history's, not the feed's: the
    // feed goes on from here, and nothing waits for those messages.
    this.#lastSeq.set(room, Math.max(this.#lastSeq.get(room) ?? 0, res.room.last_seq));
    return { room: res.room, present: res.present };
  }

  /** Stops the room's live feed on this connection; the membership stays. */
  async leave(room: string): Promise<void> {
    this.#left.add(room);
    await this.#request('room:leave', { room });
  }

  /**
   * Sends a message. Without an ack in time, or when the connection drops, it is sent again with
   * the same `clientMsgId`, so it is stored once whatever was lost; a refusal throws at once.
   */
  async send(room: string, body: string, options: SendOptions = {}): Promise<SendResult> {
    const payload = {
      room,
      body,
      client_msg_id: options.clientMsgId ?? newClientMsgId(),
      ...(options.data !== undefined ? { data: options.data } : {}),
      ...(options.replyTo !== undefined ? { reply_to: options.replyTo } : {}),
    };
    let lost: unknown;
    for (let attempt = 1; attempt <= this.#sendAttempts; attempt++) {
      let ack: Ack<{ message: RoomMessage; duplicate: boolean }>;
      try {
        await this.#whenReady();
        ack = await this.socket.timeout(this.#ackTimeoutMs).emitWithAck('message:send', payload);
      } catch (err) {
        if (err instanceof RoomsError && err.code !== 'ack_timeout') throw err;
        lost = err;
        continue;
      }
      if (ack.ok) return { message: ack.message, duplicate: ack.duplicate };
      const error = RoomsError.from(ack.error);
      if (error.code !== 'rate_limited' || attempt === this.#sendAttempts) throw error;
      await sleep(250 * 2 ** attempt);
    }
    throw new RoomsError('ack_timeout', `no ack for message:send after ${this.#sendAttempts} attempts`, {
      cause: lost,
    });
  }

  /** Edits one of this principal's own messages. */
  async edit(room: string, id: string, body: string, data?: Record<string, unknown>): Promise<RoomMessage> {
    const payload = { room, id, body, ...(data !== undefined ? { data } : {}) };
    return (await this.#request<{ message: RoomMessage }>('message:edit', payload)).message;
  }

  /** Deletes a message (its sender's, or any for an owner); resolves with the tombstone. */
  async delete(room: string, id: string): Promise<RoomMessage> {
    return (await this.#request<{ message: RoomMessage }>('message:delete', { room, id })).message;
  }

  /** Tells the room's other members this principal is (or stopped) typing. */
  async typing(room: string, typing = true): Promise<void> {
    await this.#request('typing', { room, typing });
  }

  /**
   * Who has a socket in the room's feed, across every node. `presence` events then tell who comes
   * and goes; they do not repeat the list.
   */
  async present(room: string): Promise<PrincipalRef[]> {
    return (await this.#request<{ present: PrincipalRef[] }>('room:present', { room })).present;
  }

  /**
   * A page of the room's history over HTTP, ascending by seq: with `afterSeq`, the first `limit`
   * after it; otherwise the last `limit` before `beforeSeq` (or the newest).
   */
  async history(
    room: string,
    page: { beforeSeq?: number; afterSeq?: number; limit?: number } = {},
  ): Promise<HistoryPage> {
    const query = new URLSearchParams();
    if (page.beforeSeq !== undefined) query.set('before_seq', String(page.beforeSeq));
    if (page.afterSeq !== undefined) query.set('after_seq', String(page.afterSeq));
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    const qs = query.toString() ? `?${query}` : '';
    const res = await this.#fetch(`${this.#base}/v1/rooms/${encodeURIComponent(room)}/messages${qs}`, {
      headers: { authorization: `Bearer ${await this.#token()}`, accept: 'application/json' },
    });
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const problem = (body ?? {}) as { code?: unknown; detail?: unknown; title?: unknown };
      const message = typeof problem.detail === 'string' ? problem.detail : String(problem.title ?? '');
      const code = typeof problem.code === 'string' ? problem.code : `http_${res.status}`;
      throw new RoomsError(code, message, { status: res.status });
    }
    return body as HistoryPage;
  }

  /** Disconnects for good; sends still waiting fail with `closed`. */
  close(): void {
    this.#shutDown(new RoomsError('closed', 'the rooms client was closed'));
  }

  #listen(): void {
    const s = this.socket;
    s.on('session', (session: RoomsSession) => {
      this.#session = session;
      this.#retry = 0;
      for (const r of session.rooms) if (!this.#lastSeq.has(r.id)) this.#lastSeq.set(r.id, r.last_seq);
      for (const room of this.#left) s.emit('room:leave', { room }, () => {});
      this.#ready = true;
      for (const w of this.#waiters.splice(0)) w.resolve();
      this.#emit('session', session);
    });
    s.on('message:new', (m: RoomMessage) => this.#order.push(m));
    s.on('message:updated', (m: RoomMessage) => this.#emit('message:updated', m));
    s.on('message:deleted', (m: RoomMessage) => this.#emit('message:deleted', m));
    // The handshake asks for batches: a flush's events of a room in one packet, in order.
    s.on('message:batch', (events: { type: string; message: RoomMessage }[]) => {
      for (const { type, message } of events) {
        if (type === 'message:new') this.#order.push(message);
        else if (type === 'message:updated' || type === 'message:deleted') this.#emit(type, message);
      }
    });
    s.on('presence:update', (p: PresenceUpdate) => this.#emit('presence', p));
    s.on('typing', (t: TypingUpdate) => this.#emit('typing', t));
    s.on('replay:truncated', (t: ReplayTruncated) => this.#emit('truncated', t));
    s.on('error', (e: unknown) => this.#emit('error', RoomsError.from(e)));
    s.on('disconnect', (reason) => {
      this.#ready = false;
      clearTimeout(this.#refreshTimer);
      if (this.#closed) return;
      this.#emit('disconnect', { reason });
      // socket.io reconnects by itself after a lost transport, not after the server let go of the
      // socket (an expired token, a slow consumer): take it back, with a fresh token.
      if (reason === 'io server disconnect') s.connect();
    });
    s.on('connect_error', (err: Error & { data?: unknown }) => {
      // While the socket is active, the transport failed and socket.io tries again by itself.
      if (s.active) return;
      const refused = RoomsError.from(err.data ?? { code: err.message, message: err.message });
      if (TRANSIENT.has(refused.code) && this.#retry < MAX_BACKOFF_STEPS) {
        this.#emit('error', refused);
        this.#retryTimer = setTimeout(() => s.connect(), 1000 * 2 ** this.#retry++);
        return;
      }
      this.#shutDown(refused);
      this.#emit('error', refused);
    });
  }

  #deliver(m: RoomMessage): void {
    const seen = this.#seen.get(m.room_id) ?? new Set();
    this.#seen.set(m.room_id, seen);
    if (seen.has(m.id)) return;
    seen.add(m.id);
    if (seen.size > SEEN_PER_ROOM) seen.delete(seen.values().next().value as string);
    if (m.seq > (this.#lastSeq.get(m.room_id) ?? 0)) this.#lastSeq.set(m.room_id, m.seq);
    this.#emit('message', m);
  }

  #emit<E extends RoomsEvent>(event: E, payload: RoomsEvents[E]): void {
    const room = roomOf(event, payload);
    for (const { room: only, fn } of this.#listeners.get(event) ?? []) {
      if (only !== undefined && only !== room) continue;
      try {
        fn(payload);
      } catch (err) {
        // A listener's bug surfaces as an uncaught error without cutting off the other listeners
        // or the socket's own handling of the packet.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** The handshake's auth: a fresh token, and where each room's feed left off. */
  async #handshake(): Promise<{ token?: string; resume?: Record<string, number>; batch: true }> {
    const resume: Record<string, number> = {};
    for (const [room, seq] of this.#lastSeq) if (!this.#left.has(room)) resume[room] = seq;
    const withResume = { batch: true as const, ...(Object.keys(resume).length ? { resume } : {}) };
    // The first connection fails at once (connectRooms rejects); a reconnection gives a token
    // endpoint that blips a few chances.
    const attempts = this.#session ? 3 : 1;
    let failure: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt) await sleep(1000 * 2 ** attempt);
      try {
        const token = await this.#token();
        this.#scheduleRefresh(token);
        return { token, ...withResume };
      } catch (err) {
        failure = err;
      }
    }
    const error = new RoomsError('token_unavailable', 'the token source failed', { cause: failure });
    this.#shutDown(error);
    this.#emit('error', error);
    return withResume;
  }

  #scheduleRefresh(token: string): void {
    this.#currentToken = token;
    clearTimeout(this.#refreshTimer);
    const delay = refreshDelay(token, this.#refreshAheadMs, Date.now());
    if (delay !== undefined) this.#refreshTimer = setTimeout(() => void this.#refresh(), delay);
  }

  /** Sends `auth:refresh` with a newer token; the connection then outlives the old one. */
  async #refresh(): Promise<void> {
    const current = this.#currentToken;
    const expiresAt = current ? (tokenTimes(current)?.expiresAt ?? 0) : 0;
    try {
      const token = await this.#token();
      if ((tokenTimes(token)?.expiresAt ?? 0) <= expiresAt) {
        // The source still hands out the same token (its own cache): ask again a little later,
        // until the server lets the socket go and the reconnection takes a new one.
        const left = expiresAt - Date.now();
        if (left > 1000)
          this.#refreshTimer = setTimeout(() => void this.#refresh(), Math.min(5000, left / 2));
        return;
      }
      if (!this.#ready || this.#closed) return;
      const ack: Ack<{ expires_at: string }> = await this.socket
        .timeout(this.#ackTimeoutMs)
        .emitWithAck('auth:refresh', { token });
      if (!ack.ok) throw RoomsError.from(ack.error);
      this.#scheduleRefresh(token);
    } catch (err) {
      const error =
        err instanceof RoomsError ? err : new RoomsError('refresh_failed', String(err), { cause: err });
      this.#emit('error', error);
    }
  }

  /** An event with an ack, once connected; a refusal throws its code. */
  async #request<T = object>(event: string, payload: object): Promise<T> {
    await this.#whenReady();
    let ack: Ack<T>;
    try {
      ack = await this.socket.timeout(this.#ackTimeoutMs).emitWithAck(event, payload);
    } catch (err) {
      throw new RoomsError('ack_timeout', `no ack for ${event}`, { cause: err });
    }
    if (!ack.ok) throw RoomsError.from(ack.error);
    return ack;
  }

  /** Resolves once connected with a session; `ack_timeout` when that takes longer than an ack may. */
  #whenReady(): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.#ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err: RoomsError) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new RoomsError('ack_timeout', 'not connected'));
      }, this.#ackTimeoutMs);
      this.#waiters.push(waiter);
    });
  }

  #shutDown(reason: RoomsError): void {
    if (this.#closed) return;
    this.#closed = reason;
    this.#ready = false;
    clearTimeout(this.#refreshTimer);
    clearTimeout(this.#retryTimer);
    this.#order.clear();
    for (const w of this.#waiters.splice(0)) w.reject(reason);
    this.socket.disconnect();
  }
}
