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

/** What the server sends over `/agents` (docs/hub.md, "Events"). */
export interface ServerToClientEvents {
  'message:new': (message: MessageView) => void;
  'message:updated': (message: MessageView) => void;
  'message:deleted': (message: MessageView) => void;
  'presence:update': (update: {
    room: string;
    principal: PrincipalRef;
    status: 'online' | 'offline';
    present: PrincipalRef[];
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
}

export type HubNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
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

const SYSTEM_META = { ip: null, userAgent: null, requestId: null };

interface Deps {
  nsp: HubNamespace;
  hub: Pick<HubRealtime, 'roomsToJoin'>;
  presence: Presence;
  log: Logger;
}

/**
 * Turns what the hub service announces into socket.io traffic. The service announces on the node
 * that made the change (HTTP or socket alike); the adapter carries it to the other nodes.
 */
export function createBroadcaster({ nsp, hub, presence, log }: Deps) {
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
        socket.join(roomId);
        joined = true;
      }
    }
    if (joined) void presence.announce(orgId, roomId, member, 'online');
  }

  // Messages announced in one turn of the event loop go out together, room by room and in order:
  // each connection then gets them as one queue, written at once (coalesceFrames).
  type MessageEvent = Extract<HubBroadcast, { message: unknown }>;
  const queued = new Map<string, MessageEvent[]>();
  const flush = () => {
    for (const [room, events] of queued) {
      queued.delete(room);
      for (const e of events) nsp.to(room).emit(e.type, e.message);
    }
  };
  function queue(event: MessageEvent) {
    if (!queued.size) setImmediate(flush);
    const room = event.message.room_id;
    const events = queued.get(room);
    if (events) events.push(event);
    else queued.set(room, [event]);
  }

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
        for (const socket of sockets) socket.leave(event.roomId);
        if (sockets.length) void presence.announce(event.orgId, event.roomId, event.member, 'offline');
        return;
      }
      case 'room:archived':
      case 'room:deleted':
        nsp.in(event.roomId).socketsLeave(event.roomId);
        return;
    }
  }

  return (event: HubBroadcast) => {
    handle(event).catch((err: unknown) =>
      log.error({ err, event: event.type }, 'hub broadcast could not reach the sockets'),
    );
  };
}
