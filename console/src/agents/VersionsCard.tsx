import type { AgentVersion } from '../api';
import type { Members } from '../lib/useMembers';
import type { PagedList } from '../lib/usePagedList';
import { Badge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { PagedListBody } from '../ui/PagedListBody';
import { RelativeTime } from '../ui/RelativeTime';
import { type Column, Table } from '../ui/Table';
import { OwnerName } from './OwnerName';

export interface VersionsCardProps {
  list: PagedList<AgentVersion>;
  /** The current version's id, marked in the list. */
  currentId: string | null;
  members: Members;
  onView: (version: number) => void;
}

/** Every definition version, newest first. */
export function VersionsCard({ list, currentId, members, onView }: VersionsCardProps) {
  const now = Date.now();
  const columns: Column<AgentVersion>[] = [
    {
      key: 'version',
      header: 'Version',
      render: (v) => (
        <span className="person-line">
          <span className="person-name">v{v.version}</span>
          {v.id === currentId && <Badge tone="primary">Current</Badge>}
        </span>
      ),
    },
    { key: 'model', header: 'Model', render: (v) => <span className="mono">{v.model}</span> },
    { key: 'tools', header: 'Tools', align: 'right', render: (v) => v.tools.length },
    { key: 'by', header: 'Created by', render: (v) => <OwnerName id={v.created_by} members={members} /> },
    { key: 'created', header: 'Created', render: (v) => <RelativeTime iso={v.created_at} now={now} /> },
    {
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      align: 'right',
      render: (v) => (
        <Button
          size="sm"
          variant="ghost"
          onClick={() => onView(v.version)}
          aria-label={`View version ${v.version}`}
          data-testid="version-view"
        >
          View
        </Button>
      ),
    },
  ];

  return (
    <Card
      title="Versions"
      description="Each saved definition is kept unchanged. The newest is the current one."
      flush
      data-testid="versions-card"
    >
      <PagedListBody
        list={list}
        loadingLabel="Loading versions"
        empty={<EmptyState title="No versions yet" description="Saving a definition makes version 1." />}
      >
        <Table
          label="Versions"
          testId="versions-table"
          columns={columns}
          rows={list.items}
          rowKey={(v) => v.id}
          rowProps={(v) => ({ 'data-testid': 'version-row', 'data-version': String(v.version) })}
        />
      </PagedListBody>
    </Card>
  );
}
