import { useCallback, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, api } from '../api';
import { useSession } from '../auth/SessionContext';
import { CreateDelegationDialog } from '../delegations/CreateDelegationDialog';
import { DelegationsTable } from '../delegations/DelegationsTable';
import { DELEGATION_STATUSES, isDelegationStatus, STATUS_LABELS } from '../delegations/labels';
import type { Delegation } from '../delegations/types';
import { useAgentIndex } from '../delegations/useAgentIndex';
import { useMembers } from '../lib/useMembers';
import { usePagedList } from '../lib/usePagedList';
import { usePageTitle } from '../lib/usePageTitle';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { EmptyState } from '../ui/EmptyState';
import { HandoffIcon, PlusIcon } from '../ui/icons';
import { PagedListBody } from '../ui/PagedListBody';
import { PageHeader } from '../ui/PageHeader';
import { Select } from '../ui/Select';

const STATUS_OPTIONS = [
  { value: '', label: 'Any status' },
  ...DELEGATION_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] })),
];

/** /delegations — which agent may act for which user or agent (admins only). The filter is in ?status=. */
export function DelegationsPage() {
  usePageTitle('Delegations');
  const { org, role } = useSession();
  const isAdmin = role === 'admin';
  const [params, setParams] = useSearchParams();
  const statusParam = params.get('status') ?? '';
  const status = isDelegationStatus(statusParam) ? statusParam : '';
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<Delegation | null>(null);
  const agents = useAgentIndex();
  const members = useMembers();
  const grants = usePagedList(
    useCallback(
      (cursor: string | null) =>
        isAdmin ? api.listDelegations({ status }, cursor) : Promise.resolve({ items: [], next_cursor: null }),
      [isAdmin, status],
    ),
  );
  const forbidden = !isAdmin || (grants.error instanceof ApiError && grants.error.status === 403);

  async function revoke(grant: Delegation) {
    await api.revokeDelegation(grant.id);
    grants.reload();
  }

  const createButton = (testId: string) => (
    <Button variant="primary" onClick={() => setCreating(true)} data-testid={testId}>
      <PlusIcon />
      New grant
    </Button>
  );

  const empty = status ? (
    <EmptyState
      title={`No ${STATUS_LABELS[status].toLowerCase()} grants`}
      action={<Button onClick={() => setParams({}, { replace: true })}>Show all</Button>}
      data-testid="delegations-empty"
    />
  ) : (
    <EmptyState
      icon={<HandoffIcon />}
      title="No delegation grants yet"
      description="Without a grant, no agent can act for a user or another agent: token exchange is refused."
      action={createButton('delegation-create-empty')}
      data-testid="delegations-empty"
    />
  );

  return (
    <>
      <PageHeader
        title="Delegations"
        description={`Which agents of ${org.name} may act on behalf of a user or another agent, with which scopes, how deep and until when.`}
        actions={isAdmin && createButton('delegation-create')}
      />
      <Card flush data-testid="delegations-card">
        {forbidden ? (
          <EmptyState
            title="Only admins can see and grant delegations"
            description="Ask an admin of this organization if an agent needs to act for someone."
            data-testid="delegations-forbidden"
          />
        ) : (
          <>
            <div className="filter-bar">
              <Select
                label="Status"
                hideLabel
                compact
                options={STATUS_OPTIONS}
                value={status}
                onChange={(e) =>
                  setParams(e.target.value ? { status: e.target.value } : {}, { replace: true })
                }
                data-testid="delegations-filter-status"
              />
            </div>
            <PagedListBody list={grants} loadingLabel="Loading delegation grants" empty={empty}>
              <DelegationsTable
                grants={grants.items}
                agents={agents}
                members={members}
                canRevoke={isAdmin}
                onRevoke={setRevoking}
              />
            </PagedListBody>
          </>
        )}
      </Card>
      {creating && (
        <CreateDelegationDialog
          agents={agents}
          members={members}
          onClose={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            grants.reload();
          }}
        />
      )}
      {revoking && (
        <ConfirmDialog
          title="Revoke this delegation?"
          confirmLabel="Revoke grant"
          destructive
          onConfirm={() => revoke(revoking)}
          onClose={() => setRevoking(null)}
        >
          <p>
            The agent can no longer exchange tokens to act for this {revoking.subject.type}. The grant stays
            listed as revoked; to allow it again, create a new grant.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
