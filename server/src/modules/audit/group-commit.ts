import type { AuditEvent, AuditService } from './service.js';

interface Waiter {
  event: AuditEvent;
  resolve(): void;
  reject(err: unknown): void;
}

export interface GroupCommitOptions {
  audit: AuditService;
  /** The most events one flush takes; the rest go in the next one, which starts right after. */
  maxBatch?: number;
}

/**
 * Group commit for audit records that are the only write of a request (token issuance): a
 * commit costs the same for one record as for hundreds, so events that arrive while a flush is
 * in progress are chained and written together in one statement. `append` resolves only once
 * the statement holding its event has committed and rejects if it failed, so a caller
 * acknowledges nothing that is not durable.
 * A lone event is written at once: the flush starts as soon as the I/O already received has been
 * handled (setImmediate), never after a timer.
 */
export function createAuditGroupCommit({ audit, maxBatch = 256 }: GroupCommitOptions) {
  const limit = Math.max(1, Math.floor(maxBatch));
  const queue: Waiter[] = [];
  let flushing: Promise<void> | undefined;

  async function commit(waiters: Waiter[]): Promise<void> {
    try {
      // One statement per batch, atomic on its own: one round trip and one commit.
      await audit.commitBatch(waiters.map((w) => w.event));
    } catch (err) {
      for (const w of waiters) w.reject(err);
      return;
    }
    for (const w of waiters) w.resolve();
  }

  async function flush(): Promise<void> {
    try {
      // Until the requests already received have run up to their append: on PGlite a whole
      // transaction completes in microtasks, so without this no second request could ever join.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (queue.length) {
        await commit(queue.splice(0, limit));
      }
    } finally {
      // Reached in the same turn as the empty-queue check, so no append can slip between them.
      flushing = undefined;
    }
  }

  return {
    /** Resolves once `event` is committed; rejects with the database's error if its batch failed. */
    append(event: AuditEvent): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        queue.push({ event, resolve, reject });
        flushing ??= flush();
      });
    },

    /** Resolves when every event appended so far has been committed or refused (shutdown). */
    async drain(): Promise<void> {
      while (flushing) await flushing;
    },
  };
}
export type AuditGroupCommit = ReturnType<typeof createAuditGroupCommit>;
