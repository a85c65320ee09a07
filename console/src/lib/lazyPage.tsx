import { type ComponentType, lazy, Suspense } from 'react';
import { Spinner } from '../ui/Spinner';

const loading = (
  <div className="center-block">
    <Spinner size="lg" label="Loading page" />
  </div>
);

/**
 * A page whose code loads when its route is first opened, so the console's first load carries
 * only the shell and the page in view (one bundle of every page was over 500 kB).
 */
export function lazyPage<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  const Page = lazy(() => load().then((m): { default: ComponentType } => ({ default: m[name] })));
  return (
    <Suspense fallback={loading}>
      <Page />
    </Suspense>
  );
}
