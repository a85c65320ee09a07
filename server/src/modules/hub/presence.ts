import type { Logger } from 'pino';
import { type HubNamespace, personalRoom } from './broadcast.js';
import type { PrincipalRef } from './contract.js';

const keyOf = (p: PrincipalRef) => `${p.type}:${p.id}`;

/**
 * Who is in a room, over every node's sockets (the adapter's fetchSockets), and the
 * `presence:update` a room hears when someone comes or goes.
 */
export function createPresence(nsp: HubNamespace, log: Logger) {
  const inFlight = new Set<Promise<unknown>>();

  /** The distinct principals with a socket in the room's feed, on any node. */
  async function present(room: string): Promise<PrincipalRef[]> {
    const sockets = await nsp.in(room).fetchSockets();
    const unique = new Map<string, PrincipalRef>();
    for (const s of sockets) unique.set(keyOf(s.data.ref), { type: s.data.ref.type, id: s.data.ref.id });
    return [...unique.values()];
  }

  /**
   * Whether `principal` coming or going changes who is present. Only its own sockets are looked
   * at (its personal room, on every node), not the whole room: a principal with many sockets
   * joining a large room must not cost the room a presence update, and a room-wide lookup, per
   * socket. Online: its only socket in the room, or, when two joined at once and each sees the
   * other, the one with the smallest id — a duplicate update is harmless, a missing one is not.
   * Offline: none of its sockets is left in the room.
   */
  async function changes(
    orgId: string,
    room: string,
    principal: PrincipalRef,
    status: 'online' | 'offline',
    socketId: string | undefined,
  ): Promise<boolean> {
    const mine = await nsp.in(personalRoom(orgId, principal)).fetchSockets();
    const inRoom = mine.filter((s) => s.rooms.has(room)).map((s) => s.id);
    if (status === 'offline') return inRoom.length === 0;
    if (inRoom.length === 0) return false;
    return inRoom.length === 1 || socketId === undefined || socketId === inRoom.sort()[0];
  }

  /**
   * Tells the room `principal` came or went, when that changed. Not who is present: the list is
   * the whole room's, and a wave of arrivals would send each socket a list per arrival. Clients
   * keep it from the updates, after `present` (room:join, room:present).
   */
  async function update(
    orgId: string,
    room: string,
    principal: PrincipalRef,
    status: 'online' | 'offline',
    socketId?: string,
  ): Promise<void> {
    if (!(await changes(orgId, room, principal, status, socketId))) return;
    nsp.to(room).emit('presence:update', { room, principal, status });
  }

  return {
    present,

    /** As update, awaited by nobody but shutdown: failures are logged. */
    announce(
      orgId: string,
      room: string,
      principal: PrincipalRef,
      status: 'online' | 'offline',
      socketId?: string,
    ): Promise<unknown> {
      const work = update(orgId, room, principal, status, socketId).catch((err: unknown) =>
        log.warn({ err, room }, 'presence could not be computed'),
      );
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
      return work;
    },

    /** Resolves once every announcement under way is sent, so shutdown can close the adapter after. */
    settled: () => Promise.allSettled([...inFlight]),
  };
}
export type Presence = ReturnType<typeof createPresence>;
