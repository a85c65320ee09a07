import { type Column, Table } from '../ui/Table';
import { ActorName, type ActorNames } from './ActorName';
import { formatExact } from './format';
import { OutcomeBadge } from './OutcomeBadge';
import type { AuditEvent } from './types';

export interface AuditTableProps {
  events: readonly AuditEvent[];
  names: ActorNames;
  onOpen: (event: AuditEvent) => void;
}

/** Audit records, newest first; a record's action opens it in full. */
export function AuditTable({ events, names, onOpen }: AuditTableProps) {
  const columns: Column<AuditEvent>[] = [
    {
      key: 'seq',
      header: 'Seq',
      align: 'right',
      width: '72px',
      render: (e) => <span className="mono">{e.seq}</span>,
    },
    {
      key: 'at',
      header: 'Time',
      render: (e) => <time dateTime={e.at}>{formatExact(e.at)}</time>,
    },
    { key: 'actor', header: 'Actor', render: (e) => <ActorName actor={e.actor} names={names} /> },
    {
      key: 'action',
      header: 'Action',
      render: (e) => (
        <button
          type="button"
          className="link-button mono"
          onClick={() => onOpen(e)}
          title={`Open record ${e.seq}`}
          data-testid="audit-open"
        >
          {e.action}
        </button>
      ),
    },
    {
      key: 'target',
      header: 'Target',
      render: (e) =>
        e.target ? (
          <span className="person-line">
            <span className="muted">{e.target.type}</span>
            <span className="mono audit-id">{e.target.id}</span>
          </span>
        ) : (
          <span className="muted">—</span>
        ),
    },
    { key: 'outcome', header: 'Outcome', render: (e) => <OutcomeBadge outcome={e.outcome} /> },
  ];
  return (
    <Table
      label="Audit records"
      testId="audit-table"
      columns={columns}
      rows={events}
      rowKey={(e) => e.id}
      rowProps={(e) => ({
        'data-testid': 'audit-row',
        'data-seq': String(e.seq),
        'data-action': e.action,
        'data-outcome': e.outcome,
      })}
    />
  );
}
