import type { Socket } from 'socket.io';

interface WebSocketTransport {
  name: string;
  send(packets: unknown[]): void;
  socket?: { _socket?: { cork(): void; uncork(): void } };
}

/**
 * Writes the packets a connection has queued as one write. While a frame is in flight engine.io
 * queues what comes next and then hands its transport the whole queue; ws writes each packet as
 * a frame of its own, one syscall per frame per socket, which is most of a fan-out's cost on a
 * busy node. Corking the TCP socket across that hand-over makes it a single writev. It reaches
 * into engine.io's and ws's internals (their versions are pinned by the lockfile): where they are
 * not what this expects, it changes nothing.
 */
export function coalesceFrames(conn: Socket['conn']) {
  const patch = () => {
    const transport = conn.transport as unknown as WebSocketTransport;
    const tcp = transport.socket?._socket;
    if (transport.name !== 'websocket' || typeof tcp?.cork !== 'function') return;
    const send = transport.send.bind(transport);
    transport.send = (packets) => {
      if (packets.length < 2) return send(packets);
      tcp.cork();
      try {
        send(packets);
      } finally {
        tcp.uncork();
      }
    };
  };
  patch();
  // A long-polling connection may move to WebSocket later.
  conn.on('upgrade', patch);
}
