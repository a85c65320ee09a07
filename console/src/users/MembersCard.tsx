import { useState } from 'react';
import type { Member, Role } from '../api';
import { api } from '../api';
import { useSession, useSessionContext } from '../auth/SessionContext';
import type { PagedList } from '../lib/usePagedList';
import { Card } from '../ui/Card';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { EmptyState } from '../ui/EmptyState';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PagedListBody } from '../ui/PagedListBody';
import { MembersTable } from './MembersTable';

/** Members of the current org; admins can change roles and remove people. */
export function MembersCard({ list, canManage }: { list: PagedList<Member>; canManage: boolean }) {
  const session = useSession();
  const { refresh } = useSessionContext();
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  const [actionError, setActionError] = useState<unknown>(null);
  const [removing, setRemoving] = useState<Member | null>(null);

  async function changeRole(member: Member, role: Role) {
    setActionError(null);
    setPending((s) => new Set(s).add(member.id));
    try {
      const updated = await api.changeRole(member.id, role);
      list.update((items) => items.map((m) => (m.id === updated.id ? { ...m, ...updated } : m)));
      // Changing your own role changes what this console lets you do.
      if (member.id === session.user.id) await refresh();
    } catch (err) {
      setActionError(err);
    } finally {
      setPending((s) => {
        const next = new Set(s);
        next.delete(member.id);
        return next;
      });
    }
  }

  async function remove(member: Member) {
    await api.removeUser(member.id);
    list.update((items) => items.filter((m) => m.id !== member.id));
  }

  const count = list.loading ? undefined : `${list.items.length}${list.hasMore ? '+' : ''}`;
  return (
    <Card
      title={count ? `Members (${count})` : 'Members'}
      description="Everyone with access to this organization."
      flush
      data-testid="members-card"
    >
      <PagedListBody
        list={list}
        loadingLabel="Loading members"
        banners={<ErrorBanner error={actionError} onDismiss={() => setActionError(null)} />}
        empty={<EmptyState title="No members yet" description="Invite someone to give them access." />}
      >
        <MembersTable
          members={list.items}
          currentUserId={session.user.id}
          canManage={canManage}
          pending={pending}
          onChangeRole={changeRole}
          onRemove={setRemoving}
        />
      </PagedListBody>
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name || removing.email}?`}
          confirmLabel="Remove member"
          destructive
          onConfirm={() => remove(removing)}
          onClose={() => setRemoving(null)}
        >
          <p>
            <strong>{removing.email}</strong> will lose access to {session.org.name} immediately. Their
            account and their access to other organizations are not affected.
          </p>
        </ConfirmDialog>
      )}
    </Card>
  );
}
