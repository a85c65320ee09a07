import type { RequestMeta } from '../../platform/context.js';
import type { Q, Trx } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';

export interface AuditEvent {
  orgId: string | null;
  actor: { type: 'user' | 'agent' | 'system' | 'anonymous'; id: string | null };
  /** A dotted name from the catalogue in docs/audit.md, e.g. `user.login`. */
  action: string;
  target?: { type: string; id: string };
  outcome?: 'success' | 'failure';
  meta?: RequestMeta;
  details?: Record<string, unknown>;
}

const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api_?key|private/i;

/** The one redactor: drops values under secret-looking keys, at any depth. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(v)]),
    );
  }
  return value;
}

const rowOf = (event: AuditEvent) => ({
  id: newId('aud'),
  org_id: event.orgId,
  actor_type: event.actor.type,
  actor_id: event.actor.id,
  action: event.action,
  target_type: event.target?.type ?? null,
  target_id: event.target?.id ?? null,
  outcome: event.outcome ?? 'success',
  ip: event.meta?.ip ?? null,
  user_agent: event.meta?.userAgent ?? null,
  request_id: event.meta?.requestId ?? null,
  details: JSON.stringify(redact(event.details ?? {})),
});

/**
 * Records security-relevant actions inside the caller's transaction, so an action and its
 * record commit together or not at all.
 */
export function createAuditService() {
  return {
    async record(trx: Trx, event: AuditEvent): Promise<void> {
      await trx.insertInto('audit_events').values(rowOf(event)).execute();
    },

    /** Several events in one statement (group commit: one round trip however many there are). */
    async recordMany(q: Q, events: readonly AuditEvent[]): Promise<void> {
      if (events.length) await q.insertInto('audit_events').values(events.map(rowOf)).execute();
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
