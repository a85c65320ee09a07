import { useCallback, useEffect, useRef, useState } from 'react';
import type { Page } from '../api';

export interface PagedList<T> {
  items: T[];
  /** True until the first page arrives (or fails). */
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
  /** Local edits after a successful mutation, without refetching. */
  update: (fn: (items: T[]) => T[]) => void;
}

/** Cursor-paginated list: loads the first page, then appends pages on demand. `fetchPage` must be stable. */
export function usePagedList<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);

  const fetchInto = useCallback(
    (from: string | null) => {
      const mine = ++generation.current;
      setError(null);
      if (from === null) setLoading(true);
      else setLoadingMore(true);
      fetchPage(from)
        .then(
          (page) => {
            if (mine !== generation.current) return;
            setItems((prev) => (from === null ? page.items : [...prev, ...page.items]));
            setCursor(page.next_cursor);
          },
          (err: unknown) => {
            if (mine === generation.current) setError(err);
          },
        )
        .finally(() => {
          if (mine !== generation.current) return;
          setLoading(false);
          setLoadingMore(false);
        });
    },
    [fetchPage],
  );

  useEffect(() => {
    fetchInto(null);
    return () => {
      generation.current++;
    };
  }, [fetchInto]);

  return {
    items,
    loading,
    loadingMore,
    error,
    hasMore: cursor !== null,
    loadMore: useCallback(() => cursor !== null && fetchInto(cursor), [cursor, fetchInto]),
    reload: useCallback(() => fetchInto(null), [fetchInto]),
    update: setItems,
  };
}
