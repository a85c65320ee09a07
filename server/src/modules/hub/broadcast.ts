import type { Logger } from 'pino';
import type { Namespace } from 'socket.io';
import type { AgentPrincipal } from '../../platform/context.js';
import type {
  HubBroadcast,
  HubPrincipal,
  HubRealtime,
  MessageView,
  PrincipalRef,
  RoomView,
  SocketEvent,
} from './contract.js';
import type { Presence } from './presence.js';

/** A message event as a batching socket receives it, in a `message:batch`. */
export interface FeedEvent {
  type: 'message:new' | 'message:updated' | 'message:deleted';
  message: MessageView;
}

/** What the server sends over `/agents` (docs/hub.md, "Events"). */
export interface ServerToClientEvents {
  /** To a socket that asked for batches (`auth.batch`): one flush's events of a room, in order. */
  'message:batch': (events: FeedEvent[]) => void;
  'message:new': (message: MessageView) => void;
  'message:updated': (message: MessageView) => void;
  'message:deleted': (message: MessageView) => void;
  'presence:update': (update: {
    room: string;
    principal: PrincipalRef;
    status: 'online' | 'offline';
  }) => void;
  typing: (update: { room: string; principal: PrincipalRef; typing: boolean }) => void;
  session: (session: {
    principal: PrincipalRef;
    rooms: Pick<RoomView, 'id' | 'slug' | 'last_seq'>[];
  }) => void;
  'replay:truncated': (truncated: { room: string; from_seq: number }) => void;
  'auth:expired': (why: { code: string; message: string }) => void;
  error: (error: { code: string; message: string }) => void;
}

/** What clients send: each event's payload is validated with contract.ts `socketEvents`, then an ack. */
export type ClientToServerEvents = { [E in SocketEvent]: (...args: unknown[]) => void };

/** What each socket carries; other nodes see it through fetchSockets, so never a credential. */
export interface SocketData {
  principal: HubPrincipal;
  ref: PrincipalRef;
  /** Whether it takes a room's message events as `message:batch` rather than one packet each. */
  batch: boolean;
}

/** Between nodes: a flush of a room's message events, for each node to hand its own sockets. */
export interface ServerSideEvents {
  'hub:feed': (room: string, events: FeedEvent[]) => void;
}

export type HubNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  ServerSideEvents,
  SocketData
>;

export const refOf = (p: HubPrincipal): PrincipalRef =>
  p.type === 'user' ? { type: 'user', id: p.userId } : { type: 'agent', id: p.agentId };

/**
 * Every socket of one principal in one org sits in this room, so a membership change made on any
 * node reaches its sockets on every node. The org is part of it: a person's sessions in two orgs
 * are two principals.
 */
export const personalRoom = (orgId: string, ref: PrincipalRef) => `p:${orgId}:${ref.type}:${ref.id}`;

/** Where the sockets that take message events one packet each also sit, beside the room itself. */
export const eachRoom = (roomId: string) => `e:${roomId}`;

/** The socket.io rooms a socket joins to follow a hub room. */
export const feedRooms = (data: Pick<SocketData, 'batch'>, roomId: string) =>
  data.batch ? [roomId] : [roomId, eachRoom(roomId)];

const SYSTEM_META = { ip: null, userAgent: null, requestId: null };

interface Deps {
  nsp: HubNamespace;
  hub: Pick<HubRealtime, 'roomsToJoin'>;
  presence: Presence;
  log: Logger;
  /** Least time between two flushes of message events; 0: every turn of the event loop. */
  flushMs: number;
  /** Whether other nodes share the namespace (the Redis adapter): flushes are sent to them. */
  multiNode: boolean;
}

/**
 * Turns what the hub service announces into socket.io traffic. The service announces on the node
 * that made the change (HTTP or socket alike); message events reach the other nodes as one
 * `hub:feed` per flush, membership moves through the adapter's remote sockets.
 */
export function createBroadcaster({ nsp, hub, presence, log, flushMs, multiNode }: Deps) {
  /** Moves the member's sockets into the room's feed; an agent's only where `room.read` allows. */
  async function memberAdded(orgId: string, roomId: string, member: PrincipalRef) {
    const sockets = await nsp.in(personalRoom(orgId, member)).fetchSockets();
    if (!sockets.length) return;
    // One decision per token: an agent's sockets may hold tokens with different scopes.
    const decisions = new Map<string, Promise<boolean>>();
    const allowed = (principal: HubPrincipal) => {
      if (principal.type === 'user') return Promise.resolve(true);
      const agent = principal as AgentPrincipal;
      let decision = decisions.get(agent.tokenId);
      if (!decision) {
        decision = hub
          .roomsToJoin({ principal: agent, meta: SYSTEM_META })
          .then((rooms) => rooms.some((r) => r.id === roomId));
        decisions.set(agent.tokenId, decision);
      }
      return decision;
    };
    let joined = false;
    for (const socket of sockets) {
      if (await allowed(socket.data.principal)) {
        socket.join(feedRooms(socket.data, roomId));
        joined = true;
      }
    }
    if (joined) void presence.announce(orgId, roomId, member, 'online');
  }

  // Message events are flushed room by room, in order, at most once per `flushMs`: the first
  // after a quiet spell goes out in the next turn of the event loop, those that follow it closely
  // wait for the next flush. Under load a flush then carries several messages, and a batching
  // socket gets them as one packet: one frame and one write per socket instead of one per
  // message, which is most of a fan-out's cost (docs/hub.md, "Fan-out").
  const queued = new Map<string, FeedEvent[]>();
  let scheduled = false;
  let lastFlush = Number.NEGATIVE_INFINITY;
  const flush = () => {
    scheduled = false;
    lastFlush = performance.now();
    for (const [room, events] of queued) {
      queued.delete(room);
      deliver(room, events);
      // One message between nodes per flush, where broadcasting each event would be one per event.
      if (multiNode) nsp.serverSideEmit('hub:feed', room, events);
    }
  };
  function queue({ type, message }: FeedEvent) {
    if (!scheduled) {
      scheduled = true;
      const wait = lastFlush + flushMs - performance.now();
      if (wait > 0) setTimeout(flush, wait);
      else setImmediate(flush);
    }
    const events = queued.get(message.room_id);
    if (events) events.push({ type, message });
    else queued.set(message.room_id, [{ type, message }]);
  }

  /** This node's sockets in the room: batching ones get the flush as one packet, others one each. */
  function deliver(room: string, events: FeedEvent[]) {
    const each = eachRoom(room);
    nsp.local.to(room).except(each).emit('message:batch', events);
    if (nsp.adapter.rooms.get(each)?.size) for (const e of events) nsp.local.to(each).emit(e.type, e.message);
  }
  if (multiNode) nsp.on('hub:feed', deliver);

  async function handle(event: HubBroadcast) {
    switch (event.type) {
      case 'message:new':
      case 'message:updated':
      case 'message:deleted':
        queue(event);
        return;
      case 'member:added':
        await memberAdded(event.orgId, event.roomId, event.member);
        return;
      case 'member:removed': {
        // Socket by socket rather than socketsLeave: with the Redis adapter that one reaches this
        // node's own sockets only when its request comes back, after presence was computed.
        const sockets = await nsp.in(personalRoom(event.orgId, event.member)).fetchSockets();
        for (const socket of sockets)
          for (const room of feedRooms(socket.data, event.roomId)) socket.leave(room);
        if (sockets.length) void presence.announce(event.orgId, event.roomId, event.member, 'offline');
        return;
      }
      case 'room:archived':
      case 'room:deleted':
        nsp.in(event.roomId).socketsLeave([event.roomId, eachRoom(event.roomId)]);
        return;
    }
  }

  return (event: HubBroadcast) => {
    handle(event).catch((err: unknown) =>
      log.error({ err, event: event.type }, 'hub broadcast could not reach the sockets'),
    );
  };
}
