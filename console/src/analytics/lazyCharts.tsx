// The charts load with the page that draws them: the chart library is most of a bundle's weight, and most
// visits to the console never open Analytics.
import { type ComponentProps, lazy, Suspense } from 'react';
import { Spinner } from '../ui/Spinner';

const Tokens = lazy(() => import('./TokensChart').then((m) => ({ default: m.TokensChart })));
const Denials = lazy(() => import('./DenialsChart').then((m) => ({ default: m.DenialsChart })));

const loading = (
  <div className="center-block">
    <Spinner label="Loading chart" />
  </div>
);

export function TokensChart(props: ComponentProps<typeof Tokens>) {
  return (
    <Suspense fallback={loading}>
      <Tokens {...props} />
    </Suspense>
  );
}

export function DenialsChart(props: ComponentProps<typeof Denials>) {
  return (
    <Suspense fallback={loading}>
      <Denials {...props} />
    </Suspense>
  );
}
