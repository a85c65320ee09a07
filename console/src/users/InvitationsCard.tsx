import { useState } from 'react';
import { ApiError, api, type Invitation, type Member } from '../api';
import type { PagedList } from '../lib/usePagedList';
import { Card } from '../ui/Card';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { EmptyState } from '../ui/EmptyState';
import { MailIcon } from '../ui/icons';
import { PagedListBody } from '../ui/PagedListBody';
import { InvitationsTable } from './InvitationsTable';

export interface InvitationsCardProps {
  list: PagedList<Invitation>;
  canManage: boolean;
  /** Used to show who sent an invitation when the API gives only a user id. */
  members: readonly Member[];
}

export function InvitationsCard({ list, canManage, members }: InvitationsCardProps) {
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const forbidden = list.error instanceof ApiError && list.error.status === 403;

  async function revoke(invitation: Invitation) {
    await api.revokeInvitation(invitation.id);
    list.update((items) => items.filter((i) => i.id !== invitation.id));
  }

  const empty = (
    <EmptyState
      icon={<MailIcon />}
      title="No pending invitations"
      description={
        canManage
          ? 'Invite someone with “Invite user”. Their invitation is listed here until they accept it.'
          : 'Nobody is waiting to join this organization.'
      }
      data-testid="invitations-empty"
    />
  );

  return (
    <Card
      title="Pending invitations"
      description="Invitations that have not been accepted yet. Each link works once and expires."
      flush
      data-testid="invitations-card"
    >
      {forbidden ? (
        <EmptyState
          title="Only managers and admins can see pending invitations"
          description="Ask an admin if you are expecting someone to join."
        />
      ) : (
        <PagedListBody list={list} loadingLabel="Loading invitations" empty={empty}>
          <InvitationsTable
            invitations={list.items}
            members={members}
            canManage={canManage}
            onRevoke={setRevoking}
          />
        </PagedListBody>
      )}
      {revoking && (
        <ConfirmDialog
          title="Revoke invitation?"
          confirmLabel="Revoke invitation"
          destructive
          onConfirm={() => revoke(revoking)}
          onClose={() => setRevoking(null)}
        >
          <p>
            The invitation link sent to <strong>{revoking.email}</strong> will stop working. You can invite
            them again later.
          </p>
        </ConfirmDialog>
      )}
    </Card>
  );
}
