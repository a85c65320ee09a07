import { useCallback, useState } from 'react';
import { api } from '../api';
import { usePagedList } from '../lib/usePagedList';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { EmptyState } from '../ui/EmptyState';
import { PlusIcon } from '../ui/icons';
import { PagedListBody } from '../ui/PagedListBody';
import { CreateCredentialDialog } from './CreateCredentialDialog';
import { CredentialsTable } from './CredentialsTable';
import { identifierOf, TYPE_LABELS } from './labels';
import { RotateCredentialDialog } from './RotateCredentialDialog';
import type { Credential } from './types';

type Dialog = { kind: 'create' } | { kind: 'rotate' | 'revoke'; credential: Credential };

export interface CredentialsCardProps {
  agentId: string;
  /** Managers and admins, on an agent that is not archived. */
  canEdit: boolean;
  /** Revoking stays possible on an archived agent: it only takes away. */
  canRevoke: boolean;
}

/** The agent detail page's credentials: list, create (secret shown once), rotate and revoke. */
export function CredentialsCard({ agentId, canEdit, canRevoke }: CredentialsCardProps) {
  const list = usePagedList(
    useCallback((cursor: string | null) => api.listCredentials(agentId, cursor), [agentId]),
  );
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const close = () => setDialog(null);

  async function revoke(credential: Credential) {
    await api.revokeCredential(agentId, credential.id);
    list.reload();
  }

  const createButton = (testId: string) => (
    <Button size="sm" onClick={() => setDialog({ kind: 'create' })} data-testid={testId}>
      <PlusIcon />
      New credential
    </Button>
  );

  return (
    <Card
      title="Credentials"
      description="What this agent authenticates with to get tokens. Secrets are shown once, when made."
      actions={canEdit ? createButton('credential-create') : undefined}
      flush
      data-testid="credentials-card"
    >
      <PagedListBody
        list={list}
        loadingLabel="Loading credentials"
        empty={
          <EmptyState
            title="No credentials yet"
            description="Without a credential the agent cannot get tokens."
            action={canEdit ? createButton('credential-create-empty') : undefined}
            data-testid="credentials-empty"
          />
        }
      >
        <CredentialsTable
          credentials={list.items}
          canEdit={canEdit}
          canRevoke={canRevoke}
          onRotate={(credential) => setDialog({ kind: 'rotate', credential })}
          onRevoke={(credential) => setDialog({ kind: 'revoke', credential })}
        />
      </PagedListBody>
      {dialog?.kind === 'create' && (
        <CreateCredentialDialog agentId={agentId} onClose={close} onCreated={list.reload} />
      )}
      {dialog?.kind === 'rotate' && (
        <RotateCredentialDialog
          agentId={agentId}
          credential={dialog.credential}
          onClose={close}
          onRotated={list.reload}
        />
      )}
      {dialog?.kind === 'revoke' && (
        <ConfirmDialog
          title={`Revoke this ${TYPE_LABELS[dialog.credential.type].toLowerCase()}?`}
          confirmLabel="Revoke credential"
          destructive
          onConfirm={() => revoke(dialog.credential)}
          onClose={close}
        >
          <p>
            <span className="mono">{identifierOf(dialog.credential)}</span> stops working at once, on every
            node, including a previous secret still in its grace period. Revoking cannot be undone: the agent
            needs a new credential to get tokens again.
          </p>
        </ConfirmDialog>
      )}
    </Card>
  );
}
