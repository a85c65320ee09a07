// The receiving side of bench/hub.ts, in a process of its own so that the sockets' work does not
// share the sender's event loop: pools of socket.io clients (one pool per server under test, all
// kept connected), driven over the IPC channel. For each step it counts every `message:new` of
// the step, times those sent inside the measured window (receipt time − the send time in `data`)
// and reports per-message receipt counts, so the bench can tell a late delivery from a lost one.
import { io, type Socket } from 'socket.io-client';
import { isMain } from './lib.js';

/** Wall-clock milliseconds with a fraction: comparable across processes on one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

/** What a message carries in `data` for the bench: send time, step, number within the step. */
export interface Stamp {
  t: number;
  s: number;
  n: number;
}

// Latency histogram with buckets 1% apart (0.01 ms at the bottom): ~1,600 buckets to one minute.
const GROWTH = Math.log(1.01);
export const HISTOGRAM_BUCKETS = 1_600;
const bucketOf = (ms: number) =>
  Math.min(HISTOGRAM_BUCKETS - 1, Math.floor(Math.log1p(Math.max(0, ms) * 100) / GROWTH));
/** The geometric middle of a bucket, in ms. */
const bucketMs = (b: number) => Math.expm1((b + 0.5) * GROWTH) / 100;

/** The q-quantile of a histogram given as [bucket, count] pairs; NaN when empty. */
export function quantile(pairs: [number, number][], q: number): number {
  const total = pairs.reduce((a, [, c]) => a + c, 0);
  if (total === 0) return Number.NaN;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const [b, c] of [...pairs].sort((x, y) => x[0] - y[0])) {
    seen += c;
    if (seen >= rank) return bucketMs(b);
  }
  return Number.NaN;
}

/**
 * A socket.io client on its own connection (forceNew: one WebSocket each, as separate clients
 * would have), WebSocket only, no reconnection (a disconnect is counted, then redone between
 * steps). Resolves once the server's `session` lists the room, which both servers send after
 * joining the socket to its rooms.
 */
/** Whether Gatehouse's sockets ask for batches (BENCH_HUB_BATCH=0: one packet per message). */
const BATCH = process.env.BENCH_HUB_BATCH !== '0';

export function openSocket(url: string, room: string, token?: string, timeoutMs = 30_000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: timeoutMs,
      // As the SDK does: a flush's messages as one `message:batch` (the bare server ignores it).
      auth: token ? { token, batch: BATCH } : {},
    });
    const fail = (why: string) => {
      clearTimeout(timer);
      socket.disconnect();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail(`no session within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect_error', (err: Error & { data?: unknown }) =>
      fail(`connect_error ${err.message} ${JSON.stringify(err.data ?? '')}`),
    );
    socket.once('session', (s: { rooms?: { id: string }[] }) => {
      if (!s.rooms?.some((r) => r.id === room)) return fail(`session without ${room}: ${JSON.stringify(s)}`);
      clearTimeout(timer);
      socket.off('connect_error');
      resolve(socket);
    });
  });
}

// ---- the protocol with bench/hub.ts -------------------------------------------------------------

export type ClientCommand =
  /** Opens what is missing (or was disconnected) of `tokens.length` sockets for a target. */
  | { type: 'connect'; target: string; url: string; room: string; tokens: (string | undefined)[] }
  /** From now on, counts the target's messages of `step`; [t0, t1) is the measured window. */
  | { type: 'step'; target: string; step: number; t0: number; t1: number }
  | { type: 'progress' }
  /** Resolves once no packet of any kind has come for `ms` (or after `capMs` regardless). */
  | { type: 'quiet'; ms: number; capMs: number }
  | { type: 'report' }
  | { type: 'close' };

export interface StepReport {
  /** Sockets of the target connected when the step began. */
  receivers: number;
  /** Every receipt of the step's messages, whenever it arrived. */
  receipts: number;
  /** Receipts that arrived inside the window, whichever message they were. */
  receiptsInWindow: number;
  /** For messages sent inside the window: [n, receipts]. */
  perMessage: [number, number][];
  /** Their latency histogram, [bucket, count]. */
  latency: [number, number][];
  disconnects: Record<string, number>;
  /** `error` events (what the server refuses without an ack, e.g. rate limiting), by code. */
  errors: Record<string, number>;
}

export type ClientReply =
  | { type: 'connected'; connected: number; opened: number; failures: string[] }
  | { type: 'started'; receivers: number }
  | { type: 'progress'; receipts: number }
  | { type: 'quiet'; quiet: boolean; waitedMs: number }
  | { type: 'report'; report: StepReport }
  | { type: 'ok' };

interface Pool {
  sockets: (Socket | undefined)[];
}

interface Step {
  target: string;
  step: number;
  t0: number;
  t1: number;
  receivers: number;
  receipts: number;
  receiptsInWindow: number;
  perMessage: Map<number, number>;
  histogram: Uint32Array;
  disconnects: Record<string, number>;
  errors: Record<string, number>;
}

const pools = new Map<string, Pool>();
let current: Step | undefined;
let lastPacketAt = 0;

/** Waits for the traffic to stop: a connection's presence broadcasts, a backlog's last deliveries. */
async function quiet(ms: number, capMs: number): Promise<ClientReply> {
  const start = performance.now();
  while (performance.now() - lastPacketAt < ms) {
    if (performance.now() - start > capMs)
      return { type: 'quiet', quiet: false, waitedMs: performance.now() - start };
    await new Promise((r) => setTimeout(r, Math.max(10, ms - (performance.now() - lastPacketAt))));
  }
  return { type: 'quiet', quiet: true, waitedMs: performance.now() - start };
}

function onMessage(target: string, message: { data?: Partial<Stamp> | null }) {
  const now = wallNow();
  const step = current;
  const d = message?.data;
  if (!step || step.target !== target || d?.s !== step.step) return;
  step.receipts++;
  if (now >= step.t0 && now < step.t1) step.receiptsInWindow++;
  if (typeof d.t === 'number' && typeof d.n === 'number' && d.t >= step.t0 && d.t < step.t1) {
    step.perMessage.set(d.n, (step.perMessage.get(d.n) ?? 0) + 1);
    const b = bucketOf(now - d.t);
    step.histogram[b] = (step.histogram[b] ?? 0) + 1;
  }
}

function count(into: Record<string, number> | undefined, key: string) {
  if (into) into[key] = (into[key] ?? 0) + 1;
}

/** Opens the pool's missing sockets, 25 handshakes at a time. */
async function connect(cmd: Extract<ClientCommand, { type: 'connect' }>): Promise<ClientReply> {
  let pool = pools.get(cmd.target);
  if (!pool) {
    pool = { sockets: [] };
    pools.set(cmd.target, pool);
  }
  const { sockets } = pool;
  const missing = cmd.tokens.map((_, i) => i).filter((i) => !sockets[i]?.connected);
  const failures: string[] = [];
  for (let i = 0; i < missing.length; i += 25) {
    await Promise.all(
      missing.slice(i, i + 25).map(async (slot) => {
        try {
          const socket = await openSocket(cmd.url, cmd.room, cmd.tokens[slot]);
          socket.onAny(() => {
            lastPacketAt = performance.now();
          });
          socket.on('message:new', (m) => onMessage(cmd.target, m));
          socket.on('message:batch', (events: { message: { data?: Partial<Stamp> | null } }[]) => {
            for (const e of events) onMessage(cmd.target, e.message);
          });
          socket.on('disconnect', (reason: string) => {
            if (current?.target === cmd.target) count(current.disconnects, reason);
          });
          socket.on('error', (e: { code?: string }) => {
            if (current?.target === cmd.target) count(current.errors, e?.code ?? 'unknown');
          });
          sockets[slot] = socket;
        } catch (err) {
          failures.push((err as Error).message);
        }
      }),
    );
  }
  const connected = sockets.filter((s) => s?.connected).length;
  return { type: 'connected', connected, opened: missing.length - failures.length, failures };
}

function report(): StepReport {
  const s = current;
  if (!s) throw new Error('no step');
  const latency: [number, number][] = [];
  s.histogram.forEach((c, b) => {
    if (c) latency.push([b, c]);
  });
  return {
    receivers: s.receivers,
    receipts: s.receipts,
    receiptsInWindow: s.receiptsInWindow,
    perMessage: [...s.perMessage],
    latency,
    disconnects: s.disconnects,
    errors: s.errors,
  };
}

async function handle(cmd: ClientCommand): Promise<ClientReply> {
  switch (cmd.type) {
    case 'connect':
      return connect(cmd);
    case 'step':
      current = {
        ...cmd,
        receivers: pools.get(cmd.target)?.sockets.filter((s) => s?.connected).length ?? 0,
        receipts: 0,
        receiptsInWindow: 0,
        perMessage: new Map(),
        histogram: new Uint32Array(HISTOGRAM_BUCKETS),
        disconnects: {},
        errors: {},
      };
      return { type: 'started', receivers: current.receivers };
    case 'progress':
      return { type: 'progress', receipts: current?.receipts ?? 0 };
    case 'quiet':
      return quiet(cmd.ms, cmd.capMs);
    case 'report':
      return { type: 'report', report: report() };
    case 'close':
      current = undefined;
      for (const pool of pools.values()) for (const s of pool.sockets) s?.disconnect();
      return { type: 'ok' };
  }
}

if (isMain(import.meta.url)) {
  if (!process.send) throw new Error('bench/hub-clients.ts runs as a child of bench/hub.ts (IPC channel)');
  process.on('message', (msg: { id: number; cmd: ClientCommand }) => {
    handle(msg.cmd).then(
      (reply) => process.send?.({ id: msg.id, reply }),
      (err: Error) => process.send?.({ id: msg.id, error: err.stack ?? err.message }),
    );
  });
  // The parent going away (a crash, Ctrl-C) closes the channel: nothing is left running.
  process.on('disconnect', () => process.exit(0));
}
