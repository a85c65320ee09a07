import type { PagedList } from '../lib/usePagedList';
import { Button } from './Button';

export function LoadMore<T>({ list }: { list: PagedList<T> }) {
  if (!list.hasMore || list.loading) return null;
  return (
    <div className="load-more">
      <Button size="sm" onClick={list.loadMore} loading={list.loadingMore} data-testid="load-more">
        Load more
      </Button>
    </div>
  );
}
