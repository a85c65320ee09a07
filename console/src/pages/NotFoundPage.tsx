import { Link } from 'react-router';
import { usePageTitle } from '../lib/usePageTitle';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';

export function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <Card>
      <EmptyState
        title="Page not found"
        description="This page does not exist in the console."
        action={
          <Link className="btn btn-secondary" to="/">
            Go to overview
          </Link>
        }
      />
    </Card>
  );
}
