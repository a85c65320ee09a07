import type { Socket } from 'socket.io';

/** Seconds in a row over the event rate after which a socket is cut off. */
export const OVER_LIMIT_STREAK = 3;

/**
 * A socket's event rate in one-second windows: `ok`, `over` (refuse this event), or `cut` once
 * the socket has gone over the limit in OVER_LIMIT_STREAK consecutive seconds.
 */
export function createEventRate(perSecond: number, now: () => number = () => performance.now()) {
  let window = Number.NaN;
  let count = 0;
  let over = false;
  let streak = 0;
  return {
    hit(): 'ok' | 'over' | 'cut' {
      const w = Math.floor(now() / 1000);
      if (w !== window) {
        // The streak survives only into the very next second, and only if this one went over.
        if (!(over && w === window + 1)) streak = 0;
        window = w;
        count = 0;
        over = false;
      }
      if (++count <= perSecond) return 'ok';
      if (!over) {
        over = true;
        streak++;
      }
      return streak >= OVER_LIMIT_STREAK ? 'cut' : 'over';
    },
  };
}

/**
 * Calls `onOver` once when more than `max` packets wait in a connection's write buffer: its
 * reader is not keeping up, and holding more for it would only grow this node's memory. The
 * buffer is counted from engine.io's own events: each packet is created into it, and a flush
 * hands the whole buffer to the transport.
 */
export function watchWriteBuffer(conn: Socket['conn'], max: number, onOver: () => void) {
  let pending = 0;
  let tripped = false;
  conn.on('packetCreate', () => {
    if (++pending > max && !tripped) {
      tripped = true;
      // Not from inside engine.io's sendPacket: it still pushes the packet after this event.
      queueMicrotask(onOver);
    }
  });
  conn.on('flush', () => {
    pending = 0;
  });
}
