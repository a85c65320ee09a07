import type { Logger } from 'pino';
import type { HubNamespace } from './broadcast.js';
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
   * Tells the room `principal` came or went, with who is present now; says nothing when that
   * is not so any more (gone again, or still present through another socket).
   */
  async function update(room: string, principal: PrincipalRef, status: 'online' | 'offline') {
    const now = await present(room);
    const here = now.some((p) => keyOf(p) === keyOf(principal));
    if (here === (status === 'online'))
      nsp.to(room).emit('presence:update', { room, principal, status, present: now });
    return now;
  }

  return {
    present,
    update,

    /** As update, awaited by nobody but shutdown: failures are logged. */
    announce(room: string, principal: PrincipalRef, status: 'online' | 'offline'): Promise<unknown> {
      const work = update(room, principal, status).catch((err: unknown) =>
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
