import { useCallback, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../api';
import { useSession } from '../auth/SessionContext';
import { usePagedList } from '../lib/usePagedList';
import { usePageTitle } from '../lib/usePageTitle';
import { Button } from '../ui/Button';
import { PlusIcon } from '../ui/icons';
import { PageHeader } from '../ui/PageHeader';
import { InvitationsCard } from '../users/InvitationsCard';
import { InviteDialog } from '../users/InviteDialog';
import { MembersCard } from '../users/MembersCard';

export function UsersPage() {
  usePageTitle('Users & roles');
  const { org, role } = useSession();
  const isAdmin = role === 'admin';
  const [params, setParams] = useSearchParams();
  const [inviting, setInviting] = useState(isAdmin && params.get('invite') === '1');

  const members = usePagedList(useCallback((cursor: string | null) => api.listUsers(cursor), []));
  const invitations = usePagedList(useCallback((cursor: string | null) => api.listInvitations(cursor), []));

  function closeInvite() {
    setInviting(false);
    if (params.has('invite')) setParams({}, { replace: true });
  }

  return (
    <>
      <PageHeader
        title="Users & roles"
        description={`People who can access ${org.name}, and what they are allowed to do.`}
        actions={
          isAdmin && (
            <Button variant="primary" onClick={() => setInviting(true)} data-testid="invite-user">
              <PlusIcon />
              Invite user
            </Button>
          )
        }
      />
      {!isAdmin && (
        <p className="notice" data-testid="read-only-notice">
          You have read-only access to this page. Only admins can invite people, change roles or remove
          members.
        </p>
      )}
      <div className="stack">
        <MembersCard list={members} canManage={isAdmin} />
        <InvitationsCard list={invitations} canManage={isAdmin} members={members.items} />
      </div>
      {inviting && <InviteDialog onClose={closeInvite} onInvited={invitations.reload} />}
    </>
  );
}
