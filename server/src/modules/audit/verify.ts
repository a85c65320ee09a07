import { sql } from 'kysely';
import type { Q } from '../../platform/db/database.js';
import { type ChainedFields, chainHash, GENESIS_HASH } from './canonical.js';

export type BreakKind = 'modified' | 'deleted' | 'reordered' | 'inserted' | 'truncated';

/** A trusted statement "the record at seq has hash": a checkpoint, or what a prune removed. */
export interface Anchor {
  seq: number;
  hash: string;
  /** The checkpoint's id, or the prune record's. */
  id: string;
  kind: 'checkpoint' | 'prune';
}

/** A chain's signed statements: those whose signature verified, and those whose did not. */
export interface AnchorSet {
  anchors: Anchor[];
  forged: Anchor[];
}

export interface VerifyReport {
  org_id: string | null;
  ok: boolean;
  /** Records recomputed. */
  verified: number;
  from_seq: number;
  /** The last record verified, if any. */
  last_seq: number | null;
  last_hash: string | null;
  /** The latest checkpoint at or before last_seq that the chain matched. */
  checkpoint: { id: string; seq: number; hash: string } | null;
  break: { seq: number; kind: BreakKind; detail: string } | null;
}

export interface VerifyOptions {
  orgId: string | null;
  /** First seq to recompute (default 1); its link backwards is trusted unless an anchor covers it. */
  from?: number;
  /** Last seq to recompute (default: the end of the chain). */
  to?: number;
  /** Checkpoints and prune records whose signatures the caller has checked. */
  anchors?: Anchor[];
  /** Checkpoints or prune records whose signature did not verify: any in range breaks the chain. */
  forged?: Anchor[];
  pageSize?: number;
}

/** A record as read for verification: its chained fields (but org_id), seq as pg gives it, its links. */
type Row = Omit<ChainedFields, 'org_id' | 'seq'> & { seq: string; prev_hash: string; hash: string };

const chainOf = (orgId: string | null) => (orgId === null ? sql`org_id is null` : sql`org_id = ${orgId}`);

// canonicalRecord reads the chained fields by name, so prev_hash and hash may ride along.
const fieldsOf = (orgId: string | null, r: Row): ChainedFields => ({
  ...r,
  org_id: orgId,
  seq: Number(r.seq),
  actor_chain: r.actor_chain ?? null,
});

/**
 * Recomputes an org's chain from the records themselves (never from the heads table), page by
 * page, and reports either how far it verified or the first break and its kind:
 * - modified: a record's content no longer hashes to its stored hash, or a record was rewritten
 *   with a recomputed hash (then the next record's link points at a hash that no longer exists),
 *   or the chain disagrees with a checkpoint;
 * - deleted: a seq is missing, or the records after a removed one were renumbered;
 * - inserted: two records share a seq, or a record was slipped in and the rest renumbered;
 * - reordered: a record links to a record that sits elsewhere in the chain;
 * - truncated: the chain ends before a checkpoint's seq.
 */
export async function verifyChain(q: Q, opts: VerifyOptions): Promise<VerifyReport> {
  const { orgId } = opts;
  const from = Math.max(1, Math.floor(opts.from ?? 1));
  const to = opts.to === undefined ? undefined : Math.floor(opts.to);
  const pageSize = opts.pageSize ?? 5000;
  const anchors = new Map((opts.anchors ?? []).map((a) => [a.seq, a]));
  const report: VerifyReport = {
    org_id: orgId,
    ok: true,
    verified: 0,
    from_seq: from,
    last_seq: null,
    last_hash: null,
    checkpoint: null,
    break: null,
  };
  const fail = (seq: number, kind: BreakKind, detail: string) => {
    report.ok = false;
    report.break = { seq, kind, detail };
    return report;
  };
  // Someone wrote a statement in the installation's name: nothing it claims can be trusted.
  const forged = (opts.forged ?? [])
    .filter((a) => a.seq >= from - 1 && (to === undefined || a.seq <= to))
    .sort((a, b) => a.seq - b.seq)[0];
  if (forged) {
    return fail(
      forged.seq,
      'modified',
      `the signature of ${forged.kind} ${forged.id} at seq ${forged.seq} is invalid`,
    );
  }

  const select = sql`select seq, id, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at,
      actor_type, actor_id, actor_chain, action, target_type, target_id, outcome, ip, user_agent,
      request_id, details, prev_hash, hash
    from audit_events where ${chainOf(orgId)}`;
  const rowsOf = (query: ReturnType<typeof sql<Row>>) => query.execute(q).then((r) => r.rows);
  // seq is gapless, so pages are ranges of seq known in advance: several are read at once (on a
  // pool, in parallel) while the current one is hashed.
  let nextStart = from;
  const inFlight: { hi: number; rows: Promise<Row[]> }[] = [];
  const launch = () => {
    if (to !== undefined && nextStart > to) return;
    const lo = nextStart;
    const hi = to === undefined ? lo + pageSize - 1 : Math.min(to, lo + pageSize - 1);
    nextStart = hi + 1;
    const rows = rowsOf(sql<Row>`${select} and seq between ${lo} and ${hi} order by seq, id`);
    rows.catch(() => {}); // read when its turn comes; one never read must not crash the process
    inFlight.push({ hi, rows });
  };
  const restartAfter = (seq: number) => {
    inFlight.length = 0;
    nextStart = seq + 1;
    for (let i = 0; i < 3; i++) launch();
  };
  restartAfter(from - 1);

  // What the record at `from` must link to: genesis, a trusted anchor, or (null) its own word.
  let expected = from;
  let prevHash: string | null = from === 1 ? GENESIS_HASH : (anchors.get(from - 1)?.hash ?? null);
  let prevPrevHash: string | null = null;
  let first = true;
  for (;;) {
    const page = inFlight.shift();
    if (!page) break;
    launch();
    let rows = await page.rows;
    if (!rows.length) {
      // An empty range: the end of the chain, or a gap; then the records after it, if any.
      rows = await rowsOf(
        sql<Row>`${select} and seq > ${page.hi} ${to === undefined ? sql`` : sql`and seq <= ${to}`}
          order by seq, id limit ${pageSize}`,
      );
      if (!rows.length) break;
      restartAfter(Number(rows[rows.length - 1]?.seq));
    }
    for (const row of rows) {
      const seq = Number(row.seq);
      if (first && from === 1 && seq > 1) {
        // Retention removed the start of the chain: a signed prune record says where it resumes.
        const prune = anchors.get(seq - 1);
        if (prune?.kind === 'prune') {
          prevHash = prune.hash;
          expected = seq;
          report.from_seq = seq;
        }
      }
      first = false;
      if (seq < expected) return fail(seq, 'inserted', `two records carry seq ${seq}`);
      if (seq > expected) return fail(expected, 'deleted', `seq ${expected} is missing`);
      const selfOk = chainHash(row.prev_hash, fieldsOf(orgId, row)) === row.hash;
      const linkOk = prevHash === null || row.prev_hash === prevHash;
      if (!linkOk) {
        if (prevPrevHash !== null && row.prev_hash === prevPrevHash) {
          return fail(seq - 1, 'inserted', `record ${seq - 1} was slipped in before record ${seq}`);
        }
        const linked = await sql<{ seq: string }>`select seq from audit_events
          where ${chainOf(orgId)} and hash = ${row.prev_hash} limit 1`.execute(q);
        const at = linked.rows[0]?.seq;
        if (at !== undefined) {
          return fail(seq, 'reordered', `record ${seq} follows record ${at} in the chain`);
        }
        if (selfOk) {
          return fail(seq - 1, 'modified', `record ${seq - 1} was rewritten: record ${seq} links elsewhere`);
        }
        return fail(seq, 'deleted', `the record ${seq} linked to is gone`);
      }
      if (!selfOk) return fail(seq, 'modified', `record ${seq} does not match its hash`);
      const anchor = anchors.get(seq);
      if (anchor && anchor.hash !== row.hash) {
        return fail(seq, 'modified', `the chain does not match ${anchor.kind} ${anchor.id} at seq ${seq}`);
      }
      if (anchor?.kind === 'checkpoint') report.checkpoint = { id: anchor.id, seq, hash: row.hash };
      prevPrevHash = prevHash;
      prevHash = row.hash;
      report.verified++;
      report.last_seq = seq;
      report.last_hash = row.hash;
      expected = seq + 1;
    }
  }
  const beyond = [...anchors.values()]
    .filter((a) => a.kind === 'checkpoint' && a.seq >= expected && (to === undefined || a.seq <= to))
    .sort((a, b) => a.seq - b.seq)[0];
  if (beyond) {
    return fail(expected, 'truncated', `the chain ends before checkpoint ${beyond.id} at seq ${beyond.seq}`);
  }
  return report;
}
