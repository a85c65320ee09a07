import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { appendChained } from '../src/modules/audit/chain.js';
import type { AuditEvent } from '../src/modules/audit/service.js';
import type { Db } from '../src/platform/db/database.js';
import { newId } from '../src/platform/ids.js';

/** Shared by the export and sink tests: records in bulk, and a SIEM that receives them. */

const ROWS_PER_STATEMENT = 2_500;
const ROWS_PER_TRANSACTION = 5_000;

let n = 0;
/** Data builder: an audit event of `orgId` (null: the installation's chain), unique by target. */
export function auditEvent(orgId: string | null, overrides: Partial<AuditEvent> = {}): AuditEvent {
  n++;
  return {
    orgId,
    actor: { type: 'system', id: 'audit-test' },
    action: 'test.event',
    target: { type: 'test', id: `t-${n}` },
    details: { n },
    ...overrides,
  };
}

/** An event dated `at` (as records chained from before the chain are), for time filters. */
export const auditEventAt = (orgId: string, at: Date, overrides: Partial<AuditEvent> = {}) =>
  auditEvent(orgId, { original: { id: newId('aud'), at }, ...overrides });

/**
 * Appends `count` events to a chain through the real chaining code, in transactions of 5,000:
 * fast enough to fill a chain with hundreds of thousands.
 */
export async function seedAuditEvents(db: Db, orgId: string | null, count: number): Promise<void> {
  for (let done = 0; done < count; ) {
    const size = Math.min(ROWS_PER_TRANSACTION, count - done);
    await db.transaction(async (trx) => {
      for (let i = 0; i < size; i += ROWS_PER_STATEMENT) {
        const events = Array.from({ length: Math.min(ROWS_PER_STATEMENT, size - i) }, () =>
          auditEvent(orgId),
        );
        await appendChained(trx, events);
      }
    });
    done += size;
  }
}

/** A record as the sinks deliver it, reduced to what ordering is checked on. */
export interface Received {
  org_id: string | null;
  seq: number;
  id: string;
}

/**
 * A SIEM's HTTP endpoint on 127.0.0.1: records each POST's headers and JSON array. `answer`
 * picks each request's status (200 unless it says otherwise), or `hold`: the batch counts as
 * received but no answer comes until `release()`, as when a sender dies before it hears back.
 */
export async function startSiem(answer: () => number | 'hold' = () => 200) {
  const batches: Received[][] = [];
  const requests: { status: number | 'hold'; headers: IncomingMessage['headers'] }[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const status = answer();
      requests.push({ status, headers: req.headers });
      if (status === 'hold' || (status >= 200 && status < 300)) batches.push(JSON.parse(body));
      if (status === 'hold') held.push(res);
      else res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/ingest`,
    batches,
    requests,
    /** Every record taken in, in the order it arrived. */
    received: () => batches.flat(),
    held: () => held.length,
    release() {
      for (const res of held.splice(0)) res.writeHead(200).end();
    },
    close() {
      this.release();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * What is wrong with one chain's records in arrival order, if anything: they must be exactly
 * seq 1..last, with no gap, no repeat and no reordering.
 */
export function chainOrderProblem(received: Received[], orgId: string | null, last: number): string | null {
  const seqs = received.filter((r) => r.org_id === orgId).map((r) => r.seq);
  for (let i = 0; i < seqs.length; i++) {
    if (seqs[i] !== i + 1) return `position ${i}: seq ${seqs[i]}, expected ${i + 1}`;
  }
  return seqs.length === last ? null : `${seqs.length} records, expected ${last}`;
}
