import { type ReactNode, useCallback, useState } from 'react';
import { ApiError, api } from '../api';
import { useSession } from '../auth/SessionContext';
import { KeysTable } from '../keys/KeysTable';
import { RotateKeyDialog } from '../keys/RotateKeyDialog';
import { useLoader } from '../lib/useLoader';
import { usePageTitle } from '../lib/usePageTitle';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { ErrorBanner } from '../ui/ErrorBanner';
import { KeyIcon } from '../ui/icons';
import { PageHeader } from '../ui/PageHeader';
import { Spinner } from '../ui/Spinner';

/** /keys — the organization's token signing keys, and rotation (admins only). */
export function SigningKeysPage() {
  usePageTitle('Signing keys');
  const { org, role } = useSession();
  const isAdmin = role === 'admin';
  // Only admins may list keys: nobody else asks for them.
  const keys = useLoader(
    useCallback(() => (isAdmin ? api.listSigningKeys() : Promise.resolve({ items: [] })), [isAdmin]),
  );
  const [rotating, setRotating] = useState(false);
  const forbidden = !isAdmin || (keys.error instanceof ApiError && keys.error.status === 403);
  const items = keys.data?.items ?? [];
  const current = items.find((k) => k.status === 'active');

  let body: ReactNode;
  if (forbidden) {
    body = (
      <EmptyState
        title="Only admins can see signing keys"
        description="Ask an admin of this organization if a key needs rotating."
        data-testid="keys-forbidden"
      />
    );
  } else if (keys.loading && !keys.data) {
    body = (
      <div className="center-block">
        <Spinner label="Loading signing keys" />
      </div>
    );
  } else if (keys.data && items.length === 0) {
    body = (
      <EmptyState
        icon={<KeyIcon />}
        title="No signing key yet"
        description="The first key is made when the first token is issued. Rotate to make it now."
        data-testid="keys-empty"
      />
    );
  } else {
    body = <KeysTable keys={items} />;
  }

  return (
    <>
      <PageHeader
        title="Signing keys"
        description={`The keys that sign ${org.name}'s access tokens. Verifiers find them at /.well-known/jwks.json.`}
        actions={
          isAdmin && (
            <Button
              variant="primary"
              onClick={() => setRotating(true)}
              disabled={!keys.data}
              data-testid="key-rotate"
            >
              Rotate key
            </Button>
          )
        }
      />
      <div className="stack">
        {isAdmin && (
          <p className="notice">
            One key signs at a time. A new key is published ahead of signing, so verifiers’ JWKS caches pick
            it up first; a retired key stays published until the last token it signed has expired. Keys also
            rotate on a schedule.
          </p>
        )}
        <Card flush data-testid="keys-card">
          {!forbidden && <ErrorBanner error={keys.error} onRetry={keys.reload} />}
          {body}
        </Card>
      </div>
      {rotating && (
        <RotateKeyDialog
          current={current}
          onClose={() => setRotating(false)}
          onRotated={() => keys.reload()}
        />
      )}
    </>
  );
}
