import { useCallback, useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { ApiError, api } from '../api';
import type { PresenceUpdate, PrincipalRef, RoomMessage, TypingUpdate } from './types';

const PAGE = 50;
const ACK_TIMEOUT_MS = 10_000;
const SEND_ATTEMPTS = 3;
/** A typist who said nothing more for this long has stopped (their "stopped" may have been lost). */
const TYPING_TTL_MS = 6_000;

/** `live`: messages arrive as they are posted; `offline`: reconnecting; `refused`: the server said no. */
export type FeedStatus = 'connecting' | 'live' | 'offline' | 'refused';

export interface RoomFeed {
  /** Ascending by seq, each message once. */
  messages: RoomMessage[];
  loading: boolean;
  error: unknown;
  hasEarlier: boolean;
  loadEarlier: () => Promise<void>;
  status: FeedStatus;
  /** Why the socket was refused (`invalid_token`, …). */
  refusal: ApiError | null;
  present: PrincipalRef[];
  typing: PrincipalRef[];
  /** Sends over the socket, again with the same client_msg_id when no ack comes; a refusal throws ApiError. */
  send: (body: string) => Promise<void>;
  setTyping: (typing: boolean) => void;
}

const key = (p: PrincipalRef) => `${p.type}:${p.id}`;

/** Messages by id (a newer state replaces an older one), sorted by seq. */
function merge(current: RoomMessage[], incoming: readonly RoomMessage[]): RoomMessage[] {
  const byId = new Map(current.map((m) => [m.id, m]));
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

const newClientMsgId = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

const socketError = (e: { code?: string; message?: string } | undefined) =>
  new ApiError({ status: 0, code: e?.code ?? 'internal', title: e?.message || 'The hub refused it.' });

/**
 * One room, live: its latest history over HTTP, then its messages, presence and typing over the
 * hub's socket (`/agents`). The socket is the console's own: same origin, so the handshake
 * carries the HttpOnly session cookie and no token is handled here. After a reconnection it
 * resumes after the newest seq held, so nothing posted meanwhile is missed. Connects only when
 * `live` (the person is a member: joining a public room is their choice, made elsewhere).
 */
export function useRoomFeed(roomId: string, live: boolean): RoomFeed {
  const [messages, setMessages] = useState<RoomMessage[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [hasEarlier, setHasEarlier] = useState(false);
  const [status, setStatus] = useState<FeedStatus>('connecting');
  const [refusal, setRefusal] = useState<ApiError | null>(null);
  const [present, setPresent] = useState<PrincipalRef[]>([]);
  const [typists, setTypists] = useState<Map<string, { who: PrincipalRef; until: number }>>(new Map());
  const socket = useRef<Socket | null>(null);
  const lastSeq = useRef(0);
  const [historyLoaded, setHistoryLoaded] = useState(false);

  const add = useCallback((incoming: readonly RoomMessage[]) => {
    for (const m of incoming) lastSeq.current = Math.max(lastSeq.current, m.seq);
    setMessages((current) => merge(current, incoming));
  }, []);

  const loadLatest = useCallback(async () => {
    const page = await api.listRoomMessages(roomId, { limit: PAGE });
    setMessages([]);
    lastSeq.current = 0;
    add(page.items);
    setHasEarlier(page.has_more);
  }, [roomId, add]);

  useEffect(() => {
    let stale = false;
    setLoading(true);
    setError(null);
    setHistoryLoaded(false);
    loadLatest().then(
      () => {
        if (stale) return;
        setLoading(false);
        setHistoryLoaded(true);
      },
      (err: unknown) => {
        if (stale) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => {
      stale = true;
    };
  }, [loadLatest]);

  // Connected after the history is in, resuming after its newest seq: what was posted between
  // the two arrives over the socket.
  useEffect(() => {
    if (!live || !historyLoaded) return;
    const s = io('/agents', {
      transports: ['websocket'],
      auth: (cb) =>
        cb({ batch: true, ...(lastSeq.current ? { resume: { [roomId]: lastSeq.current } } : {}) }),
    });
    socket.current = s;
    setStatus('connecting');
    setRefusal(null);
    s.on('session', () => {
      setStatus('live');
      s.timeout(ACK_TIMEOUT_MS).emit(
        'room:join',
        { room: roomId },
        (err: Error | null, ack?: { ok: boolean; present?: PrincipalRef[] }) => {
          if (!err && ack?.ok && ack.present) setPresent(ack.present);
        },
      );
    });
    s.on('message:new', (m: RoomMessage) => m.room_id === roomId && add([m]));
    s.on('message:updated', (m: RoomMessage) => m.room_id === roomId && add([m]));
    s.on('message:deleted', (m: RoomMessage) => m.room_id === roomId && add([m]));
    // Asked for at the handshake: a flush's message events of a room as one packet.
    s.on('message:batch', (events: { message: RoomMessage }[]) =>
      add(events.map((e) => e.message).filter((m) => m.room_id === roomId)),
    );
    // The list came with room:join; updates say who came or went.
    s.on('presence:update', (p: PresenceUpdate) => {
      if (p.room !== roomId) return;
      setPresent((current) => {
        const others = current.filter((q) => key(q) !== key(p.principal));
        return p.status === 'online' ? [...others, p.principal] : others;
      });
    });
    s.on('typing', (t: TypingUpdate) => {
      if (t.room !== roomId) return;
      setTypists((current) => {
        const next = new Map(current);
        if (t.typing) next.set(key(t.principal), { who: t.principal, until: Date.now() + TYPING_TTL_MS });
        else next.delete(key(t.principal));
        return next;
      });
    });
    // More was missed than the server replays: start again from the newest page.
    s.on('replay:truncated', (t: { room: string }) => {
      if (t.room === roomId) loadLatest().catch(setError);
    });
    s.on('disconnect', (reason) => {
      setStatus('offline');
      setPresent([]);
      // socket.io takes a lost transport back by itself, not a socket the server let go of.
      if (reason === 'io server disconnect') s.connect();
    });
    s.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
      if (s.active) {
        setStatus('offline');
        return;
      }
      setStatus('refused');
      setRefusal(socketError(err.data ?? { code: err.message, message: err.message }));
    });
    return () => {
      s.disconnect();
      socket.current = null;
    };
  }, [live, historyLoaded, roomId, add, loadLatest]);

  // Typists fade out when their "stopped" never came.
  useEffect(() => {
    if (typists.size === 0) return;
    const soonest = Math.min(...[...typists.values()].map((t) => t.until));
    const timer = setTimeout(
      () => setTypists((current) => new Map([...current].filter(([, t]) => t.until > Date.now()))),
      Math.max(0, soonest - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [typists]);

  const loadEarlier = useCallback(async () => {
    const first = messages[0];
    if (!first) return;
    const page = await api.listRoomMessages(roomId, { before_seq: first.seq, limit: PAGE });
    add(page.items);
    setHasEarlier(page.has_more);
  }, [messages, roomId, add]);

  const send = useCallback(
    async (body: string) => {
      const s = socket.current;
      if (!s) throw socketError({ code: 'offline', message: 'Not connected to the room.' });
      const payload = { room: roomId, body, client_msg_id: newClientMsgId() };
      for (let attempt = 1; attempt <= SEND_ATTEMPTS; attempt++) {
        let ack: { ok: boolean; message?: RoomMessage; error?: { code: string; message: string } };
        try {
          ack = await s.timeout(ACK_TIMEOUT_MS).emitWithAck('message:send', payload);
        } catch {
          continue; // no ack (timeout, or the connection dropped): the same id again stores it once
        }
        if (!ack.ok || !ack.message) throw socketError(ack.error);
        add([ack.message]);
        return;
      }
      throw socketError({ code: 'ack_timeout', message: 'The message was not confirmed. Try again.' });
    },
    [roomId, add],
  );

  const setTyping = useCallback(
    (typing: boolean) => {
      socket.current?.emit('typing', { room: roomId, typing }, () => {});
    },
    [roomId],
  );

  return {
    messages,
    loading,
    error,
    hasEarlier,
    loadEarlier,
    status,
    refusal,
    present,
    typing: [...typists.values()].map((t) => t.who),
    send,
    setTyping,
  };
}
