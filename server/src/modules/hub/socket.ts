import { createAdapter } from '@socket.io/redis-adapter';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import type { AgentPrincipal, RequestMeta } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { reportOutages } from '../../platform/store/redis.js';
import type { Runtime } from '../../runtime.js';
import {
  type ClientToServerEvents,
  createBroadcaster,
  eachRoom,
  feedRooms,
  type HubNamespace,
  personalRoom,
  refOf,
  type ServerSideEvents,
  type ServerToClientEvents,
  type SocketData,
} from './broadcast.js';
import { coalesceFrames } from './coalesce.js';
import {
  type HubCtx,
  type HubRealtime,
  RESUME_LIMIT,
  type RoomView,
  type SocketEvent,
  socketEvents,
} from './contract.js';
import { createEventRate, watchWriteBuffer } from './event-limits.js';
import { createHubMetrics } from './hub-metrics.js';
import { createPresence } from './presence.js';
import type { HubService } from './service.js';
import { createSocketAuth, SocketAuthError, type SocketCredential } from './socket-auth.js';

export interface HubSocketOptions {
  /**
   * engine.io's heartbeat: a connection that answers no ping within interval + timeout is
   * dropped. Not a setting: tests shorten it to see a missed heartbeat quickly.
   */
  heartbeat?: { intervalMs: number; timeoutMs: number };
}

type HubSocket = Socket<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;
type Failure = { ok: false; error: { code: string; message: string } };
type Answer = ({ ok: true } & Record<string, unknown>) | Failure;
type Ack = (answer: Answer) => void;

const HEARTBEAT = { intervalMs: 25_000, timeoutMs: 5_000 };
/** What a socket.io packet may hold beyond the largest message body: the event, ids, data. */
const PACKET_MARGIN_BYTES = 64 * 1024;
/** How often a connected socket's credential is checked again (revoked, suspended, signed out). */
const RECHECK_MS = 60_000;
/**
 * How long one token's readable rooms are shared by its sockets: an agent's many sockets, opened
 * together, check again together, and should cost one query, not one each.
 */
const READABLE_SHARED_MS = 5_000;
/** Events that act on the hub check the credential first, as each HTTP request does. */
const CHECKED = new Set<SocketEvent>([
  'message:send',
  'message:edit',
  'message:delete',
  'room:join',
  'room:resume',
]);
const HUB_ROOM = /^rm_/;
const resumeInput = z.record(z.string().regex(/^rm_[0-9a-z]{26}$/), z.number().int().min(0)).optional();
const batchInput = z.boolean().optional();
/** How many replayed messages a batching socket gets per packet. */
const REPLAY_BATCH = 50;

const issuesOf = (error: z.ZodError) =>
  error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');

function failureOf(err: unknown, log: Logger, event: string): Failure {
  if (err instanceof SocketAuthError) return { ok: false, error: err.data };
  if (err instanceof AppError) return { ok: false, error: { code: err.code, message: err.message } };
  log.error({ err, event }, 'hub socket event failed');
  return { ok: false, error: { code: 'internal', message: 'Something went wrong on our side' } };
}

/** The Redis adapter over its own two connections (publish, subscribe), under the store's prefix. */
function redisAdapter(redis: NonNullable<Runtime['config']['redis']>, log: Logger) {
  const pub = new Redis(redis.url, { maxRetriesPerRequest: 3 });
  const sub = pub.duplicate();
  reportOutages([pub, sub], log, 'hub: redis');
  return {
    adapter: createAdapter(pub, sub, { key: `${redis.prefix}socket.io` }),
    close: () => Promise.allSettled([pub.quit(), sub.quit()]),
  };
}

/**
 * The hub's real-time layer (docs/hub.md, "Real time"): socket.io on the API's own HTTP server,
 * namespace `/agents`, over the hub service. Every change is stored by the service first; the
 * service announces it and this layer broadcasts, so HTTP and socket senders reach the same sockets.
 */
export function attachHubSocket(
  app: FastifyInstance,
  deps: {
    runtime: Runtime;
    hub: HubRealtime & Pick<HubService, 'storedMessages'>;
    registry: Registry;
  },
  options: HubSocketOptions = {},
) {
  const { runtime, hub } = deps;
  const { config, log, clock, services } = runtime;
  const limits = config.hub;
  const heartbeat = options.heartbeat ?? HEARTBEAT;
  const redis = config.redis ? redisAdapter(config.redis, log) : undefined;

  const io = new Server<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>(
    app.server,
    {
      path: '/socket.io',
      serveClient: false,
      maxHttpBufferSize: limits.maxMessageBytes + PACKET_MARGIN_BYTES,
      pingInterval: heartbeat.intervalMs,
      pingTimeout: heartbeat.timeoutMs,
      ...(config.corsOrigins.length ? { cors: { origin: [...config.corsOrigins], credentials: true } } : {}),
      ...(redis ? { adapter: redis.adapter } : {}),
    },
  );
  // The main namespace exists whatever one does; nothing is served there.
  io.of('/').use((_socket, next) =>
    next(new SocketAuthError('not_found', 'Connect to the /agents namespace')),
  );
  const nsp: HubNamespace = io.of('/agents');

  const socketAuth = createSocketAuth({
    verifier: services.verifier,
    auth: services.auth,
    agents: services.agents,
    rateLimits: services.rateLimits,
    issuer: config.issuer,
    corsOrigins: config.corsOrigins,
  });
  const presence = createPresence(nsp, log);
  const metrics = createHubMetrics(deps.registry, {
    sockets: () => nsp.sockets.size,
    activeRooms: () => {
      let n = 0;
      for (const room of nsp.adapter.rooms.keys()) if (HUB_ROOM.test(room)) n++;
      return n;
    },
    stored: () => hub.storedMessages(),
  });
  const unsubscribe = hub.onBroadcast(
    createBroadcaster({ nsp, hub, presence, log, flushMs: limits.flushMs, multiNode: redis !== undefined }),
  );

  /** The rooms an agent's token may read, shared by its sockets for READABLE_SHARED_MS. */
  const readableByToken = new Map<string, { until: number; rooms: Promise<Set<string>> }>();
  function readableRooms(principal: AgentPrincipal, ctx: HubCtx): Promise<Set<string>> {
    const now = performance.now();
    const shared = readableByToken.get(principal.tokenId);
    if (shared && shared.until > now) return shared.rooms;
    for (const [token, entry] of readableByToken) if (entry.until <= now) readableByToken.delete(token);
    const rooms = hub.roomsToJoin(ctx).then((found) => new Set(found.map((r) => r.id)));
    readableByToken.set(principal.tokenId, { until: now + READABLE_SHARED_MS, rooms });
    rooms.catch(() => readableByToken.delete(principal.tokenId));
    return rooms;
  }

  /** What the handshake found, for the connection handler that follows it. */
  const accepted = new WeakMap<
    HubSocket,
    {
      credential: SocketCredential;
      meta: Omit<RequestMeta, 'requestId'>;
      rooms: Pick<RoomView, 'id' | 'slug' | 'last_seq'>[];
      resume: Record<string, number>;
    }
  >();
  let closing = false;

  const metaOf = (socket: HubSocket): Omit<RequestMeta, 'requestId'> => {
    const forwarded = socket.handshake.headers['x-forwarded-for'];
    const ip =
      config.trustProxy && typeof forwarded === 'string'
        ? (forwarded.split(',')[0]?.trim() ?? socket.handshake.address)
        : socket.handshake.address;
    return { ip, userAgent: socket.handshake.headers['user-agent']?.slice(0, 500) ?? null };
  };

  nsp.use(async (socket, next) => {
    try {
      if (!runtime.state.ready || closing)
        throw new SocketAuthError('not_ready', 'Gatehouse is starting or stopping: retry shortly');
      const resume = resumeInput.safeParse(socket.handshake.auth.resume);
      if (!resume.success)
        throw new SocketAuthError('invalid_payload', `auth.resume: ${issuesOf(resume.error)}`);
      const batch = batchInput.safeParse(socket.handshake.auth.batch);
      if (!batch.success)
        throw new SocketAuthError('invalid_payload', `auth.batch: ${issuesOf(batch.error)}`);
      const meta = metaOf(socket);
      const credential = await socketAuth.handshake(socket.handshake.auth.token, socket.handshake.headers, {
        ...meta,
        requestId: newId('req'),
      });
      const rooms = await hub.roomsToJoin({
        principal: credential.principal,
        meta: { ...meta, requestId: newId('req') },
      });
      socket.data = {
        principal: credential.principal,
        ref: refOf(credential.principal),
        batch: batch.data === true,
      };
      accepted.set(socket, { credential, meta, rooms, resume: resume.data ?? {} });
      next();
    } catch (err) {
      if (err instanceof SocketAuthError) return next(err);
      if (err instanceof AppError) return next(new SocketAuthError(err.code, err.message));
      log.error({ err }, 'hub socket handshake failed');
      next(new SocketAuthError('internal', 'Something went wrong on our side'));
    }
  });

  nsp.on('connection', (socket: HubSocket) => {
    const handshake = accepted.get(socket);
    accepted.delete(socket);
    if (!handshake) return void socket.disconnect(true);
    let credential = handshake.credential;
    const { meta } = handshake;
    const ref = socket.data.ref;
    const ctx = (): HubCtx => ({
      principal: socket.data.principal,
      meta: { ...meta, requestId: newId('req') },
    });

    /** Ends the socket whose credential no longer stands; the client is told why first. */
    const end = (why: { code: string; message: string }) => {
      socket.emit('auth:expired', why);
      socket.disconnect(true);
    };
    // Armed at the credential's end, or sooner to check it again; with a clock tests move,
    // the expiry is the one the timer was set for, not what the clock says when it fires.
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      const due = credential.expiresAt.getTime() - clock.now().getTime();
      // Spread over ±10%: sockets opened together do not all check again in the same instant.
      const recheckIn = RECHECK_MS * (0.9 + Math.random() * 0.2);
      if (due <= recheckIn) {
        timer = setTimeout(
          () => end({ code: 'invalid_token', message: 'The token expired' }),
          Math.max(due, 0),
        );
        return;
      }
      timer = setTimeout(() => {
        credential.recheck().then(
          (principal) => {
            socket.data.principal = principal;
            dropUnreadable().catch((err: unknown) =>
              log.warn({ err }, 'hub socket rooms could not be checked again'),
            );
            arm();
          },
          (err: unknown) => {
            if (err instanceof SocketAuthError) return end(err.data);
            log.warn({ err }, 'hub socket credential could not be checked again');
            arm();
          },
        );
      }, recheckIn);
    };
    arm();

    /**
     * Takes an agent's socket out of the feeds it may no longer read: `room.read` is denied there
     * now (a skill taken away, a policy, a narrower token after auth:refresh). Only leaves: a room
     * it may read again is joined with room:join or on reconnect, as one it left on purpose is.
     */
    async function dropUnreadable() {
      const { principal } = socket.data;
      if (principal.type !== 'agent') return;
      const readable = await readableRooms(principal, ctx());
      for (const room of [...socket.rooms]) {
        if (!HUB_ROOM.test(room) || readable.has(room)) continue;
        socket.leave(room);
        socket.leave(eachRoom(room));
        void presence.announce(principal.orgId, room, ref, 'offline');
      }
    }

    const rate = createEventRate(limits.eventsPerSecond);
    socket.use(([event, ...args], next) => {
      const ack = typeof args.at(-1) === 'function' ? (args.at(-1) as Ack) : undefined;
      if (!Object.hasOwn(socketEvents, event))
        return reply(ack, {
          ok: false,
          error: { code: 'invalid_payload', message: `Unknown event ${event}` },
        });
      const verdict = rate.hit();
      if (verdict === 'ok') return next();
      reply(ack, {
        ok: false,
        error: { code: 'rate_limited', message: `At most ${limits.eventsPerSecond} events per second` },
      });
      if (verdict === 'cut') socket.disconnect(true);
    });
    coalesceFrames(socket.conn);
    watchWriteBuffer(socket.conn, limits.maxBuffered, () => {
      log.warn(
        { principal: ref, buffered: limits.maxBuffered },
        'hub socket disconnected: it reads too slowly',
      );
      socket.conn.close(true);
    });

    function reply(ack: Ack | undefined, answer: Answer) {
      if (ack) ack(answer);
      else if (!answer.ok) socket.emit('error', answer.error);
    }

    async function replay(room: string, afterSeq: number) {
      const { items, has_more } = await hub.after(ctx(), room, afterSeq, RESUME_LIMIT);
      if (socket.data.batch)
        for (let i = 0; i < items.length; i += REPLAY_BATCH)
          socket.emit(
            'message:batch',
            items.slice(i, i + REPLAY_BATCH).map((message) => ({ type: 'message:new', message })),
          );
      else for (const message of items) socket.emit('message:new', message);
      return { replayed: items.length, truncated: has_more, lastSeq: items.at(-1)?.seq ?? afterSeq };
    }

    type Input<E extends SocketEvent> = z.infer<(typeof socketEvents)[E]>;
    const handlers: { [E in SocketEvent]: (input: Input<E>) => Promise<Record<string, unknown>> } = {
      'message:send': async ({ room, ...input }) => {
        const sent = await hub.send(ctx(), room, input, 'socket');
        return { message: sent.message, duplicate: sent.duplicate };
      },
      'message:edit': async ({ room, id, ...input }) => ({ message: await hub.edit(ctx(), room, id, input) }),
      'message:delete': async ({ room, id }) => ({ message: await hub.remove(ctx(), room, id) }),
      'room:join': async ({ room }) => {
        const view = await hub.join(ctx(), room);
        await socket.join(feedRooms(socket.data, view.id));
        void presence.announce(socket.data.principal.orgId, view.id, ref, 'online', socket.id);
        return { room: view, present: await presence.present(view.id) };
      },
      'room:leave': async ({ room }) => {
        if (socket.rooms.has(room)) {
          await socket.leave(room);
          await socket.leave(eachRoom(room));
          void presence.announce(socket.data.principal.orgId, room, ref, 'offline');
        }
        return {};
      },
      'room:resume': async ({ room, after_seq }) => {
        const { replayed, truncated } = await replay(room, after_seq);
        return { replayed, truncated };
      },
      'room:present': async ({ room }) => {
        if (!socket.rooms.has(room))
          throw new AppError(403, 'not_a_member', 'Join the room before asking who is present');
        return { present: await presence.present(room) };
      },
      typing: async ({ room, typing }) => {
        if (!socket.rooms.has(room))
          throw new AppError(403, 'not_a_member', 'Join the room before typing in it');
        socket.to(room).emit('typing', { room, principal: ref, typing });
        return {};
      },
      'auth:refresh': async ({ token }) => {
        const next = await socketAuth.refresh(socket.data.principal, token);
        credential = next;
        socket.data.principal = next.principal;
        arm();
        await dropUnreadable();
        return { expires_at: next.expiresAt.toISOString() };
      },
    };

    for (const event of Object.keys(socketEvents) as SocketEvent[]) {
      socket.on(event, async (...args: unknown[]) => {
        const ack = typeof args.at(-1) === 'function' ? (args.pop() as Ack) : undefined;
        const started = performance.now();
        let ended: { code: string; message: string } | undefined;
        let answer: Answer;
        const input = socketEvents[event].safeParse(args[0]);
        if (!input.success) {
          answer = { ok: false, error: { code: 'invalid_payload', message: issuesOf(input.error) } };
        } else {
          try {
            if (CHECKED.has(event)) {
              try {
                socket.data.principal = await credential.recheck();
              } catch (err) {
                if (err instanceof SocketAuthError) ended = err.data;
                throw err;
              }
            }
            const handle = handlers[event] as (input: unknown) => Promise<Record<string, unknown>>;
            answer = { ok: true, ...(await handle(input.data)) };
          } catch (err) {
            answer = failureOf(err, log, event);
          }
        }
        metrics.eventDuration.observe({ event }, (performance.now() - started) / 1000);
        reply(ack, answer);
        if (ended) end(ended);
      });
    }

    let left: string[] = [];
    socket.on('disconnecting', () => {
      left = [...socket.rooms].filter((room) => HUB_ROOM.test(room));
    });
    socket.on('disconnect', () => {
      clearTimeout(timer);
      for (const room of left) void presence.announce(socket.data.principal.orgId, room, ref, 'offline');
    });

    const { principal } = socket.data;
    socket.join([
      personalRoom(principal.orgId, ref),
      ...handshake.rooms.flatMap((r) => feedRooms(socket.data, r.id)),
    ]);
    socket.emit('session', { principal: ref, rooms: handshake.rooms });
    const joined = new Set(handshake.rooms.map((r) => r.id));
    for (const room of joined) void presence.announce(principal.orgId, room, ref, 'online', socket.id);
    void (async () => {
      // Rooms one after the other, each in seq order; a room the socket could not join is skipped.
      for (const [room, afterSeq] of Object.entries(handshake.resume)) {
        if (!joined.has(room) || !socket.connected) continue;
        try {
          const { truncated, lastSeq } = await replay(room, afterSeq);
          if (truncated) socket.emit('replay:truncated', { room, from_seq: lastSeq });
        } catch (err) {
          socket.emit('error', failureOf(err, log, 'resume').error);
        }
      }
    })();
  });

  app.addHook('preClose', async () => {
    closing = true;
    // Closing the transports, not disconnecting the sockets: clients reconnect (to another
    // node), as they would not after a server-side disconnect. Their departures are announced
    // before the adapter goes.
    io.engine.close();
    await presence.settled();
  });
  app.addHook('onClose', async () => {
    unsubscribe();
    await nsp.adapter.close();
    await redis?.close();
  });
  return io;
}
