import { useCallback, useState } from 'react';
import { ApiError, api } from '../api';
import { AuditTabs } from '../audit/AuditTabs';
import { CheckpointsTable } from '../audit/CheckpointsTable';
import type { Checkpoint } from '../audit/types';
import { useSession } from '../auth/SessionContext';
import { usePagedList } from '../lib/usePagedList';
import { usePageTitle } from '../lib/usePageTitle';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PlusIcon, ShieldCheckIcon } from '../ui/icons';
import { PagedListBody } from '../ui/PagedListBody';
import { PageHeader } from '../ui/PageHeader';

type Created = { checkpoint: Checkpoint; fresh: boolean };

/** /audit/checkpoints — signed statements of the chain's head, made on a schedule or on demand (admins only). */
export function AuditCheckpointsPage() {
  usePageTitle('Audit checkpoints');
  const { org, role } = useSession();
  const isAdmin = role === 'admin';
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const [createError, setCreateError] = useState<unknown>(null);
  const checkpoints = usePagedList(
    useCallback(
      (cursor: string | null) =>
        isAdmin ? api.listCheckpoints(cursor) : Promise.resolve({ items: [], next_cursor: null }),
      [isAdmin],
    ),
  );
  const forbidden = !isAdmin || (checkpoints.error instanceof ApiError && checkpoints.error.status === 403);

  async function create() {
    setCreating(true);
    setCreateError(null);
    try {
      const checkpoint = await api.createCheckpoint();
      // With no record since the latest checkpoint, the API answers with that one instead of signing again.
      const fresh = !checkpoints.items.some((c) => c.id === checkpoint.id);
      setCreated({ checkpoint, fresh });
      checkpoints.reload();
    } catch (err) {
      setCreated(null);
      setCreateError(err);
    } finally {
      setCreating(false);
    }
  }

  const createButton = (testId: string) => (
    <Button variant="primary" onClick={create} loading={creating} data-testid={testId}>
      <PlusIcon />
      Create checkpoint
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Audit log"
        description={`Signed checkpoints of ${org.name}'s hash chain. Keep copies outside Gatehouse: a chain that no longer leads to a kept checkpoint has been tampered with.`}
        actions={isAdmin && createButton('checkpoint-create')}
      />
      {isAdmin && <AuditTabs />}
      <div className="stack">
        {created && (
          <p className="notice notice-success" role="status" data-testid="checkpoint-created">
            {created.fresh
              ? `Checkpoint signed at seq ${created.checkpoint.seq}.`
              : `No records since the latest checkpoint, at seq ${created.checkpoint.seq}: it still stands.`}
          </p>
        )}
        <ErrorBanner error={createError} onDismiss={() => setCreateError(null)} />
        <Card flush data-testid="checkpoints-card">
          {forbidden ? (
            <EmptyState
              title="Only admins can see audit checkpoints"
              description="Ask an admin of this organization for a copy of a checkpoint."
              data-testid="checkpoints-forbidden"
            />
          ) : (
            <PagedListBody
              list={checkpoints}
              loadingLabel="Loading checkpoints"
              empty={
                <EmptyState
                  icon={<ShieldCheckIcon />}
                  title="No checkpoints yet"
                  description="Checkpoints are signed on a schedule; create one now to have a copy to keep."
                  action={createButton('checkpoint-create-empty')}
                  data-testid="checkpoints-empty"
                />
              }
            >
              <CheckpointsTable checkpoints={checkpoints.items} />
            </PagedListBody>
          )}
        </Card>
        {isAdmin && (
          <p className="field-hint">
            A saved checkpoint holds the exact signed text (<span className="mono">payload</span>) and its
            Ed25519 signature; the key that checks it is published at{' '}
            <span className="mono">/.well-known/gatehouse-audit-keys.json</span> under its key ID.
          </p>
        )}
      </div>
    </>
  );
}
