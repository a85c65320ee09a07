import { useEffect, useRef } from 'react';
import { api } from '../api';
import type { PagedList } from '../lib/usePagedList';
import type { AuditEvent, AuditFilters } from './types';

const POLL_MS = 2000;
/** A burst larger than this many pages between two polls shows its newest records; Load more is no help there. */
const MAX_PAGES = 5;
const PAGE = 100;

/** The records newer than `newest`, newest first: pages from the top until one reaches what is shown. */
async function newerThan(filters: AuditFilters, newest: number): Promise<AuditEvent[]> {
  const fresh: AuditEvent[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next_cursor } = await api.listAudit(filters, cursor, PAGE);
    const newer = items.filter((e) => e.seq > newest);
    fresh.push(...newer);
    if (newer.length < items.length || !next_cursor) break;
    cursor = next_cursor;
  }
  return fresh;
}

/**
 * While `on`, asks every ~2 s for records (under the same filters) newer than the newest one listed and puts
 * them on top. A poll waits for the one before it; turning it off, changing the filters or leaving the page
 * stops it, and an answer that arrives after that is dropped.
 */
export function useLiveTail(list: PagedList<AuditEvent>, filters: AuditFilters, on: boolean): void {
  // Read at each poll rather than restarting the timer whenever a page loads.
  const latest = useRef(list);
  useEffect(() => {
    latest.current = list;
  });

  useEffect(() => {
    if (!on) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    async function poll() {
      const { loading, items, update } = latest.current;
      if (!loading) {
        try {
          const fresh = await newerThan(filters, items[0]?.seq ?? 0);
          // Compared again with what is listed now: a reload may have landed while this poll ran.
          if (!stopped && fresh.length) {
            update((prev) => [...fresh.filter((e) => e.seq > (prev[0]?.seq ?? 0)), ...prev]);
          }
        } catch {
          // A failed poll is tried again at the next tick; the list keeps what it has.
        }
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    }
    timer = setTimeout(poll, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [on, filters]);
}
