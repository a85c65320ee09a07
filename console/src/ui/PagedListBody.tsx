import type { ReactNode } from 'react';
import type { PagedList } from '../lib/usePagedList';
import { ErrorBanner } from './ErrorBanner';
import { LoadMore } from './LoadMore';
import { Spinner } from './Spinner';

export interface PagedListBodyProps<T> {
  list: PagedList<T>;
  /** Read out while the first page loads. */
  loadingLabel: string;
  /** Shown when the list loaded and is empty. */
  empty: ReactNode;
  /** The rows (a Table). */
  children: ReactNode;
  /** More banners above the list's own error, e.g. for a failed action on a row. */
  banners?: ReactNode;
}

/** The inside of a card that shows a paged list: errors, a spinner, the empty state or the rows, Load more. */
export function PagedListBody<T>({ list, loadingLabel, empty, children, banners }: PagedListBodyProps<T>) {
  let body: ReactNode = children;
  if (list.loading) {
    body = (
      <div className="center-block">
        <Spinner label={loadingLabel} />
      </div>
    );
  } else if (list.items.length === 0 && !list.error) {
    body = empty;
  }
  return (
    <>
      <div className="card-banners">
        {banners}
        <ErrorBanner error={list.error} onRetry={list.items.length ? list.loadMore : list.reload} />
      </div>
      {body}
      <LoadMore list={list} />
    </>
  );
}
