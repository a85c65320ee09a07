import type { ReactNode } from 'react';
import type { Loader } from '../lib/useLoader';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Spinner } from '../ui/Spinner';

export interface ChartBodyProps<T> {
  loader: Loader<T>;
  loadingLabel: string;
  isEmpty: (data: T) => boolean;
  empty: ReactNode;
  children: (data: T) => ReactNode;
}

/** A chart card's body: its error, a spinner until the first answer, then the empty state or the chart. */
export function ChartBody<T>({ loader, loadingLabel, isEmpty, empty, children }: ChartBodyProps<T>) {
  const { data, error, reload } = loader;
  let content: ReactNode = null;
  if (data !== undefined) content = isEmpty(data) ? empty : children(data);
  else if (!error) {
    content = (
      <div className="center-block">
        <Spinner label={loadingLabel} />
      </div>
    );
  }
  return (
    <>
      <ErrorBanner error={error} onRetry={reload} />
      {content}
    </>
  );
}
