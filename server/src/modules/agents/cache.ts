import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { Agent, AgentStatus } from './tables.js';

/** What the token path needs to know about an agent, without its definition. */
export interface AgentRecord {
  id: string;
  orgId: string;
  name: string;
  status: AgentStatus;
  allowedScopes: readonly string[];
  tokenTtlSeconds: number;
  currentVersionId: string | null;
}

export const recordOf = (a: Agent): AgentRecord => ({
  id: a.id,
  orgId: a.org_id,
  name: a.name,
  status: a.status,
  allowedScopes: Object.freeze([...a.allowed_scopes]),
  tokenTtlSeconds: a.token_ttl_seconds,
  currentVersionId: a.current_version_id,
});

/** One channel for every node: `{orgId, agentId}` drops one agent, `{orgId}` the whole org. */
export const AGENTS_CHANNEL = 'agents.changed';
export interface Invalidation {
  orgId: string;
  agentId?: string;
}

interface Deps {
  store: EphemeralStore;
  clock: Clock;
  log: Logger;
  load: (orgId: string, agentId: string) => Promise<AgentRecord | null>;
  /** A safety net for a lost message (Redis pub/sub is at-most-once): entries expire anyway. */
  ttlMs?: number;
  maxEntries?: number;
}

const key = (orgId: string, agentId: string) => `${orgId}/${agentId}`;

function parse(message: string): Invalidation | null {
  try {
    const m: unknown = JSON.parse(message);
    if (m && typeof m === 'object' && 'orgId' in m && typeof m.orgId === 'string') {
      const agentId = 'agentId' in m && typeof m.agentId === 'string' ? m.agentId : undefined;
      return agentId ? { orgId: m.orgId, agentId } : { orgId: m.orgId };
    }
  } catch {}
  return null;
}

/**
 * An in-process cache of agent records for the token hot path, kept coherent across nodes by
 * pub/sub through the ephemeral store: every change publishes, every node drops the entry.
 */
export function createAgentCache(deps: Deps) {
  const { store, clock, log, load } = deps;
  const ttlMs = deps.ttlMs ?? 60_000;
  const maxEntries = deps.maxEntries ?? 10_000;
  const entries = new Map<string, { record: AgentRecord; expiresAt: number }>();
  // Bumped by every invalidation, so a load that began before one does not store what it read.
  let generation = 0;
  let unsubscribe: (() => Promise<void>) | undefined;

  function drop(target: Invalidation | null) {
    generation++;
    if (!target) entries.clear();
    else if (target.agentId) entries.delete(key(target.orgId, target.agentId));
    else for (const k of entries.keys()) if (k.startsWith(`${target.orgId}/`)) entries.delete(k);
  }

  return {
    /** The agent's record, from memory when fresh; null when it does not exist in that org. */
    async get(orgId: string, agentId: string): Promise<AgentRecord | null> {
      const k = key(orgId, agentId);
      const hit = entries.get(k);
      if (hit && hit.expiresAt > clock.now().getTime()) return hit.record;
      entries.delete(k);
      const seen = generation;
      const record = await load(orgId, agentId);
      if (record && seen === generation) {
        entries.set(k, { record, expiresAt: clock.now().getTime() + ttlMs });
        // Map keeps insertion order: the first key is the oldest entry.
        if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      }
      return record;
    },

    /**
     * Drops the entry here and tells every node. Call it after the change has committed, or a
     * node could reload the old row. A failed publish is logged, not thrown: the change is
     * already made, and other nodes catch up within the TTL.
     */
    async changed(target: Invalidation): Promise<void> {
      drop(target);
      try {
        await store.publish(AGENTS_CHANNEL, JSON.stringify(target));
      } catch (err) {
        log.error(
          { err: (err as Error).message, ...target },
          'agent change not published; peers catch up by TTL',
        );
      }
    },

    /** Subscribes this node to changes made on any node. A malformed message drops everything. */
    async start(): Promise<void> {
      unsubscribe ??= await store.subscribe(AGENTS_CHANNEL, (message) => drop(parse(message)));
    },

    async stop(): Promise<void> {
      await unsubscribe?.();
      unsubscribe = undefined;
    },

    get size() {
      return entries.size;
    },
  };
}
export type AgentCache = ReturnType<typeof createAgentCache>;
