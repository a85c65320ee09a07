/**
 * A refusal from the hub, with the server's stable code: a refused handshake (`invalid_token`,
 * `agent_inactive`, …), an event's ack (`not_a_member`, `forbidden`, `message_too_large`, …) or an
 * HTTP problem. The client's own codes: `ack_timeout` (no answer after every attempt), `closed`
 * (the client was closed, or the server refused to take it back).
 */
export class RoomsError extends Error {
  readonly code: string;
  /** The HTTP status for an error from the HTTP API; undefined for the socket's. */
  readonly status: number | undefined;

  constructor(code: string, message: string, options?: ErrorOptions & { status?: number }) {
    super(message || code, options);
    this.name = 'RoomsError';
    this.code = code;
    this.status = options?.status;
  }

  /** From a socket ack's or `connect_error`'s `{code, message}`. */
  static from(error: unknown, fallback = 'internal'): RoomsError {
    const e = (error ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof e.code === 'string' ? e.code : fallback;
    return new RoomsError(code, typeof e.message === 'string' ? e.message : code);
  }
}
