import type { RoomMessage } from './types.js';

/**
 * Hands each room's new messages on in seq order. A room's seqs have no gaps, so a message
 * beyond the next one expected came ahead of its turn (a live message overtaking the replay that
 * follows a reconnection); it waits for those before it, at most `waitMs`, after which whatever
 * waits goes on in seq order anyway (a replay cut short, history the application pages itself).
 * So `lastSeq` only moves past what was delivered, and a resume never skips a message.
 */
export class SeqOrder {
  readonly #ahead = new Map<string, Map<number, RoomMessage>>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly waitMs: number,
    /** The highest seq delivered in the room, if the room is known yet. */
    private readonly lastSeq: (room: string) => number | undefined,
    private readonly deliver: (message: RoomMessage) => void,
  ) {}

  push(m: RoomMessage): void {
    const room = m.room_id;
    const last = this.lastSeq(room);
    if (last !== undefined && m.seq > last + 1) {
      const ahead = this.#ahead.get(room) ?? new Map<number, RoomMessage>();
      this.#ahead.set(room, ahead);
      ahead.set(m.seq, m);
      if (!this.#timers.has(room))
        this.#timers.set(
          room,
          setTimeout(() => this.#release(room), this.waitMs),
        );
      return;
    }
    this.deliver(m);
    this.#drain(room);
  }

  /** Stops the waiting; what waits is dropped (the client is closing). */
  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#ahead.clear();
  }

  /** Delivers what waited and is now next in turn. */
  #drain(room: string): void {
    const ahead = this.#ahead.get(room);
    if (!ahead) return;
    for (let last = this.lastSeq(room); last !== undefined; last = this.lastSeq(room)) {
      const next = ahead.get(last + 1);
      if (!next) break;
      ahead.delete(last + 1);
      this.deliver(next);
    }
    if (ahead.size) return;
    this.#ahead.delete(room);
    clearTimeout(this.#timers.get(room));
    this.#timers.delete(room);
  }

  /** Waited long enough: what waits goes on, in seq order, over the gap. */
  #release(room: string): void {
    this.#timers.delete(room);
    const ahead = this.#ahead.get(room);
    this.#ahead.delete(room);
    for (const m of [...(ahead?.values() ?? [])].sort((a, b) => a.seq - b.seq)) this.deliver(m);
  }
}
