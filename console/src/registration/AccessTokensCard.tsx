import { useCallback, useState } from 'react';
import { api } from '../api';
import { formatDateTime } from '../lib/format';
import { usePagedList } from '../lib/usePagedList';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { EmptyState } from '../ui/EmptyState';
import { KeyIcon, PlusIcon } from '../ui/icons';
import { PagedListBody } from '../ui/PagedListBody';
import { AccessTokensTable } from './AccessTokensTable';
import { CreateAccessTokenDialog } from './CreateAccessTokenDialog';
import type { AccessToken } from './types';

/** Initial access tokens: list, create (shown once) and revoke. */
export function AccessTokensCard() {
  const list = usePagedList(useCallback((cursor: string | null) => api.listRegistrationTokens(cursor), []));
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<AccessToken | null>(null);

  async function revoke(token: AccessToken) {
    await api.revokeRegistrationToken(token.id);
    list.reload();
  }

  const createButton = (testId: string) => (
    <Button size="sm" onClick={() => setCreating(true)} data-testid={testId}>
      <PlusIcon />
      New token
    </Button>
  );

  return (
    <Card
      title="Initial access tokens"
      description="A client registers with one of these as its Bearer token. Tokens are shown once, when made."
      actions={createButton('iat-create')}
      flush
      data-testid="iat-card"
    >
      <PagedListBody
        list={list}
        loadingLabel="Loading initial access tokens"
        empty={
          <EmptyState
            icon={<KeyIcon />}
            title="No initial access tokens yet"
            description="Without one, no client can register, even with registration on."
            action={createButton('iat-create-empty')}
            data-testid="iat-empty"
          />
        }
      >
        <AccessTokensTable tokens={list.items} onRevoke={setRevoking} />
      </PagedListBody>
      {creating && <CreateAccessTokenDialog onClose={() => setCreating(false)} onCreated={list.reload} />}
      {revoking && (
        <ConfirmDialog
          title="Revoke this initial access token?"
          confirmLabel="Revoke token"
          destructive
          onConfirm={() => revoke(revoking)}
          onClose={() => setRevoking(null)}
        >
          <p>
            <span className="mono">{revoking.id}</span> stops working at once: no client can register with it
            any more. Clients already registered with it keep working. It would otherwise have expired{' '}
            {formatDateTime(revoking.expires_at)}.
          </p>
        </ConfirmDialog>
      )}
    </Card>
  );
}
