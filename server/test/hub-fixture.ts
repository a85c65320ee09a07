import { io, type Socket } from 'socket.io-client';
import { afterEach } from 'vitest';

/** A socket that keeps every event it received, in order. */
export type Client = Socket & { seen: Record<string, any[]> };

const opened: Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.disconnect();
});

/** A socket.io client on /agents that records every event it receives; closed after each test. */
export function socketOf(
  url: string,
  auth: Record<string, unknown>,
  headers?: Record<string, string>,
  namespace = '/agents',
): Client {
  const s = io(`${url}${namespace}`, {
    auth,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(headers ? { extraHeaders: headers } : {}),
  });
  opened.push(s);
  const seen: Record<string, any[]> = {};
  s.onAny((event: string, payload: unknown) => {
    seen[event] ??= [];
    seen[event].push(payload);
  });
  return Object.assign(s, { seen });
}

/** A connected socket, or the refusal's data as an error. */
export function connect(url: string, auth: Record<string, unknown>, headers?: Record<string, string>) {
  const s = socketOf(url, auth, headers);
  return new Promise<Client>((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err) => reject(new Error(`refused: ${JSON.stringify((err as any).data)}`)));
  });
}

/** A refused handshake's connect_error (its message is the code). */
export function refusal(
  url: string,
  auth: Record<string, unknown>,
  headers?: Record<string, string>,
  namespace = '/agents',
) {
  const s = socketOf(url, auth, headers, namespace);
  return new Promise<{ message: string; data: { code: string; message: string } }>((resolve, reject) => {
    s.once('connect', () => reject(new Error('the handshake was accepted')));
    s.once('connect_error', (err) => resolve(err as any));
  });
}

/** How many `event`s the socket has received so far, to wait for one after them. */
export const mark = (s: Client, event: string) => s.seen[event]?.length ?? 0;

/** The first `event` (already received, after the first `from`, or still to come) whose payload matches. */
export function received(
  s: Client,
  event: string,
  match: (payload: any) => boolean = () => true,
  from = 0,
): Promise<any> {
  const found = s.seen[event]?.slice(from).find(match);
  if (found !== undefined) return Promise.resolve(found);
  return new Promise((resolve) => {
    const listener = (payload: any) => {
      if (!match(payload)) return;
      s.off(event, listener);
      resolve(payload);
    };
    s.on(event, listener);
  });
}

/** An event with its ack, which must come within 10 s. */
export const send = (s: Socket, event: string, payload?: unknown) =>
  payload === undefined
    ? s.timeout(10_000).emitWithAck(event)
    : s.timeout(10_000).emitWithAck(event, payload);

export const ids = (present: { id: string }[]) => present.map((p) => p.id).sort();
