// The reference for bench/hub.ts: a plain socket.io server that does on the wire what Gatehouse's
// hub does, and nothing else (no authentication, authorization, storage, limits or presence).
// Every socket of namespace /agents joins BENCH_ROOM and gets `session`; `message:send` is
// relayed with `socket.to(room).emit('message:new', …)` as a message shaped like Gatehouse's
// (id, seq, sender, timestamps: about the same bytes per packet), then acked.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const room = process.env.BENCH_ROOM ?? 'rm_00000000000000000000000000';
const http = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404).end();
});
// WebSocket only, as the bench's clients connect; otherwise socket.io's defaults.
const io = new Server(http, { transports: ['websocket'], serveClient: false });
const sender = { type: 'agent', id: `agt_${randomBytes(13).toString('hex')}` };
let seq = 0;

io.of('/agents').on('connection', (socket) => {
  socket.join(room);
  socket.emit('session', { principal: sender, rooms: [{ id: room, slug: 'bench', last_seq: seq }] });
  socket.on(
    'message:send',
    (p: { room: string; body: string; data?: object; client_msg_id: string }, ack?: (a: unknown) => void) => {
      seq++;
      const message = {
        id: `msg_${randomBytes(13).toString('hex')}`,
        room_id: p.room,
        seq,
        sender,
        body: p.body,
        data: p.data ?? null,
        reply_to: null,
        client_msg_id: p.client_msg_id,
        created_at: new Date().toISOString(),
        edited_at: null,
        deleted_at: null,
      };
      socket.to(p.room).emit('message:new', message);
      ack?.({ ok: true, message, duplicate: false });
    },
  );
});

http.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => io.close(() => process.exit(0)));
