import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db, Q } from '../../platform/db/database.js';
import { presentAuditEvent } from './reader.js';
import type { PresentedAuditEvent } from './schema.js';
import { fileSink } from './sink-file.js';
import { httpSink } from './sink-http.js';

/** Most events one delivery carries, across the chains it covers. */
const BATCH = 500;
/** Most chains (orgs) one node claims per delivery; other nodes take the rest meanwhile. */
const CHAINS_PER_CLAIM = 50;

type Deliver = (events: PresentedAuditEvent[], signal: AbortSignal) => Promise<void>;

/**
 * The sink's key in audit_sink_cursors: its scheme and a digest of its URL, so the same URL on
 * every node shares one set of cursors, and a new URL starts from the beginning of each chain.
 */
export function sinkName(url: string): string {
  const scheme = new URL(url).protocol.replace(':', '');
  return `${scheme}:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

export interface AuditShipperOptions {
  db: Db;
  log: Logger;
  sink: { url: string; token: string | undefined };
  /** Pause when every chain is delivered. */
  intervalMs?: number;
  /** Backoff after a failed delivery: doubles from `baseMs` up to `maxMs`. */
  retry?: { baseMs: number; maxMs: number };
}

interface Cursor {
  chain: string;
  /** bigint: a string from pg, a number from PGlite. */
  seq: string | number;
}

/**
 * Streams every chain's records to one sink, at least once and in seq order per chain. A
 * chain's cursor moves only after its events were acknowledged, in the transaction that holds
 * the cursor's row lock (`for update skip locked`): nodes share the work, never a chain, and a
 * crash before the commit means a redelivery, never a loss.
 */
export function createAuditShipper({
  db,
  log,
  sink,
  intervalMs = 1_000,
  retry = { baseMs: 1_000, maxMs: 30_000 },
}: AuditShipperOptions) {
  const name = sinkName(sink.url);
  const deliver: Deliver = sink.url.startsWith('file:') ? fileSink(sink.url) : httpSink(sink.url, sink.token);
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  // Chains after this one are claimed first, so busy orgs cannot starve the others.
  let lastChain = '';

  /** New chains (orgs) get a cursor before their first event: delivery starts at seq 1. */
  const addCursors = () =>
    sql`insert into audit_sink_cursors (sink, chain, seq)
      select ${name}, h.chain, 0 from audit_chain_heads h
      where not exists (select 1 from audit_sink_cursors c where c.sink = ${name} and c.chain = h.chain)
      on conflict do nothing`.execute(db.system);

  async function lag(): Promise<number> {
    const r = await sql<{ lag: string }>`
      select coalesce(sum(h.seq - coalesce(c.seq, 0)), 0) as lag from audit_chain_heads h
      left join audit_sink_cursors c on c.sink = ${name} and c.chain = h.chain`.execute(db.system);
    return Number(r.rows[0]?.lag ?? 0);
  }

  /** Delivers the next events of the chains this node could claim; true when more are waiting. */
  async function shipClaimed(q: Q, lock: boolean): Promise<boolean> {
    const claimed = await sql<Cursor>`
      select c.chain, c.seq from audit_sink_cursors c
      join audit_chain_heads h on h.chain = c.chain
      where c.sink = ${name} and h.seq > c.seq
      order by c.chain <= ${lastChain}, c.chain
      limit ${CHAINS_PER_CLAIM}
      ${lock ? sql`for update of c skip locked` : sql``}`.execute(q);
    const events: PresentedAuditEvent[] = [];
    const moved: Cursor[] = [];
    for (const cursor of claimed.rows) {
      if (events.length >= BATCH) break;
      const rows = await q
        .selectFrom('audit_events')
        .selectAll()
        .where((eb) => (cursor.chain ? eb('org_id', '=', cursor.chain) : eb('org_id', 'is', null)))
        .where('seq', '>', String(cursor.seq) as never)
        .orderBy(sql`seq`)
        .limit(BATCH - events.length)
        .execute();
      const first = rows[0];
      if (!first) continue;
      if (Number(first.seq) !== Number(cursor.seq) + 1) {
        log.warn(
          { sink: name, chain: cursor.chain, from: Number(cursor.seq) + 1, to: Number(first.seq) - 1 },
          'audit sink: records were pruned before they were delivered',
        );
      }
      events.push(...rows.map(presentAuditEvent));
      moved.push({ chain: cursor.chain, seq: String(rows[rows.length - 1]?.seq) });
    }
    if (!events.length) return false;
    await deliver(events, stopping.signal);
    await sql`update audit_sink_cursors as c set seq = v.seq
      from (values ${sql.join(moved.map((m) => sql`(${m.chain}::text, ${m.seq}::bigint)`))}) as v(chain, seq)
      where c.sink = ${name} and c.chain = v.chain`.execute(q);
    lastChain = moved[moved.length - 1]?.chain ?? '';
    return events.length >= BATCH || claimed.rows.length >= CHAINS_PER_CLAIM;
  }

  async function shipOnce(): Promise<boolean> {
    await addCursors();
    // PGlite is one node and runs one transaction at a time: holding one open across a
    // delivery would stall every request, and there is no other node to keep out.
    if (db.kind === 'pglite') return shipClaimed(db.system, false);
    return db.transaction((trx) => shipClaimed(trx, true));
  }

  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      try {
        const more = await shipOnce();
        failures = 0;
        if (!more) await pause(intervalMs);
      } catch (err) {
        if (stopping.signal.aborted) return;
        failures++;
        const retryInMs = Math.min(retry.baseMs * 2 ** (failures - 1), retry.maxMs);
        log.warn(
          { sink: name, lag: await lag().catch(() => null), retryInMs, err: (err as Error).message },
          'audit sink: delivery failed; retrying',
        );
        await pause(retryInMs);
      }
    }
  }

  return {
    name,
    /** Events committed but not yet acknowledged by the sink, over every chain. */
    lag,
    start() {
      running ??= loop();
    },
    /** Ends the loop; a delivery in flight is abandoned and its cursors stay where they were. */
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
export type AuditShipper = ReturnType<typeof createAuditShipper>;
