import { useCallback } from 'react';
import { api } from '../api';
import { formatDateTime } from '../lib/format';
import { useLoader } from '../lib/useLoader';
import type { Members } from '../lib/useMembers';
import { Button } from '../ui/Button';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Modal } from '../ui/Modal';
import { Spinner } from '../ui/Spinner';
import { DefinitionView } from './DefinitionView';
import { OwnerName } from './OwnerName';

export interface VersionDialogProps {
  agentId: string;
  version: number;
  members: Members;
  onClose: () => void;
}

/** One definition version, fetched by its number (so a link to it works too). */
export function VersionDialog({ agentId, version, members, onClose }: VersionDialogProps) {
  const { data, error, loading, reload } = useLoader(
    useCallback(() => api.getAgentVersion(agentId, version), [agentId, version]),
  );
  return (
    <Modal
      title={`Version ${version}`}
      description={
        data && (
          <>
            Saved {formatDateTime(data.created_at)} by <OwnerName id={data.created_by} members={members} />
          </>
        )
      }
      onClose={onClose}
      wide
      data-testid="version-dialog"
      footer={
        <Button variant="primary" onClick={onClose} autoFocus>
          Close
        </Button>
      }
    >
      <ErrorBanner error={error} onRetry={reload} />
      {loading && (
        <div className="center-block">
          <Spinner label="Loading version" />
        </div>
      )}
      {data && <DefinitionView definition={data} />}
    </Modal>
  );
}
