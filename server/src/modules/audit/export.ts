import { Readable } from 'node:stream';
import { type Selectable, sql } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { AuditEventsTable } from '../../platform/db/tables.js';
import { presentAuditEvent } from './reader.js';
import type { PresentedAuditEvent } from './schema.js';

/** Records per query (keyset on seq, never an offset): memory stays flat however long the chain. */
const PAGE = 1000;
/** Lines per chunk written: small enough for the stream's 64 KiB mark to pace the reading. */
const LINES_PER_CHUNK = 50;

export const EXPORT_FORMATS = {
  jsonl: { contentType: 'application/x-ndjson; charset=utf-8' },
  csv: { contentType: 'text/csv; charset=utf-8; header=present' },
} as const;
export type ExportFormat = keyof typeof EXPORT_FORMATS;

const isoTime = z.iso.datetime({ offset: true });
export const exportQuery = z
  .object({
    format: z.enum(['jsonl', 'csv'] satisfies ExportFormat[]).default('jsonl'),
    from: isoTime.optional().describe('records at or after this time'),
    to: isoTime.optional().describe('records before this time'),
  })
  .strict();
export type ExportQuery = z.infer<typeof exportQuery>;

/** CSV columns: the presented record flattened one level; objects become JSON text. */
const CSV_COLUMNS: [string, (e: PresentedAuditEvent) => unknown][] = [
  ['id', (e) => e.id],
  ['org_id', (e) => e.org_id],
  ['seq', (e) => e.seq],
  ['at', (e) => e.at],
  ['actor.type', (e) => e.actor.type],
  ['actor.id', (e) => e.actor.id],
  ['actor.chain', (e) => e.actor.chain],
  ['action', (e) => e.action],
  ['target.type', (e) => e.target?.type],
  ['target.id', (e) => e.target?.id],
  ['outcome', (e) => e.outcome],
  ['ip', (e) => e.ip],
  ['user_agent', (e) => e.user_agent],
  ['request_id', (e) => e.request_id],
  ['details', (e) => e.details],
  ['prev_hash', (e) => e.prev_hash],
  ['hash', (e) => e.hash],
];

/** RFC 4180: quoted when it holds a comma, quote or line break, quotes doubled; null is empty. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (cells: unknown[]) => `${cells.map(csvCell).join(',')}\r\n`;

interface Formatter {
  header: string;
  line(e: PresentedAuditEvent): string;
}
type Range = Omit<ExportQuery, 'format'>;

const FORMATTERS: Record<ExportFormat, Formatter> = {
  jsonl: { header: '', line: (e) => `${JSON.stringify(e)}\n` },
  csv: {
    header: csvLine(CSV_COLUMNS.map(([name]) => name)),
    line: (e) => csvLine(CSV_COLUMNS.map(([, get]) => get(e))),
  },
};

/** Streams an org's audit log in seq order, as GET /v1/audit presents each record. */
export function createAuditExport({ db, clock }: { db: Db; clock: Clock }) {
  /** The chain's last seq as the export starts: an export of a busy org ends, at a known record. */
  async function headSeq(orgId: string): Promise<number> {
    const head = await db.tenant(orgId, (trx) =>
      sql<{ seq: string }>`select seq from audit_chain_heads where chain = ${orgId}`.execute(trx),
    );
    return Number(head.rows[0]?.seq ?? 0);
  }

  /**
   * The page of records after `after`, already formatted: the rows are garbage before the page
   * is sent, so a slow reader holds text, not row objects. `next` is absent after the last page.
   */
  async function page(orgId: string, range: Range, after: number, last: number, line: Formatter['line']) {
    const rows: Selectable<AuditEventsTable>[] = await db.tenant(orgId, (trx) => {
      let q = trx
        .selectFrom('audit_events')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('seq', '>', String(after) as never)
        .where('seq', '<=', String(last) as never);
      if (range.from) q = q.where('at', '>=', new Date(range.from) as never);
      if (range.to) q = q.where('at', '<', new Date(range.to) as never);
      return q.orderBy(sql`seq`).limit(PAGE).execute();
    });
    const end = rows[rows.length - 1];
    return {
      lines: rows.map((r) => line(presentAuditEvent(r))),
      next: rows.length === PAGE && end ? Number(end.seq) : undefined,
    };
  }

  return {
    /**
     * The export as a byte stream: JSON lines, or CSV with a header row. It is pull-driven: a
     * page is read only once the consumer has taken the one before, and destroying the stream
     * (a client that hangs up) ends it after the page in flight.
     */
    stream(orgId: string, { format, ...range }: ExportQuery): Readable {
      const formatter = FORMATTERS[format];
      async function* chunks() {
        if (formatter.header) yield formatter.header;
        const last = await headSeq(orgId);
        for (let after: number | undefined = 0; after !== undefined && after < last; ) {
          const { lines, next } = await page(orgId, range, after, last, formatter.line);
          after = next;
          for (let i = 0; i < lines.length; i += LINES_PER_CHUNK) {
            yield lines.slice(i, i + LINES_PER_CHUNK).join('');
          }
        }
      }
      return Readable.from(chunks(), { objectMode: false, highWaterMark: 64 * 1024 });
    },

    /** `audit-<org>-<YYYY-MM-DD>.<ext>`, dated by the server's clock. */
    fileName(orgSlug: string, format: ExportFormat): string {
      return `audit-${orgSlug}-${clock.now().toISOString().slice(0, 10)}.${format}`;
    },
  };
}
export type AuditExport = ReturnType<typeof createAuditExport>;
