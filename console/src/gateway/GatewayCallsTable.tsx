import { Link } from 'react-router';
import { formatExact } from '../audit/format';
import type { AgentIndex } from '../delegations/useAgentIndex';
import { Badge } from '../ui/Badge';
import { RelativeTime } from '../ui/RelativeTime';
import { type Column, Table } from '../ui/Table';
import { formatBytes, formatDuration, statusTone } from './format';
import type { GatewayCall } from './types';

export interface GatewayCallsTableProps {
  calls: readonly GatewayCall[];
  agents: AgentIndex;
}

/** Calls agents made through the gateway, newest first: who, to which integration, what came back, how fast. */
export function GatewayCallsTable({ calls, agents }: GatewayCallsTableProps) {
  const now = Date.now();
  const columns: Column<GatewayCall>[] = [
    {
      key: 'at',
      header: 'Time',
      render: ({ event }) => (
        <time dateTime={event.at} title={formatExact(event.at)} data-testid="gateway-call-time">
          <RelativeTime iso={event.at} now={now} />
        </time>
      ),
    },
    {
      key: 'agent',
      header: 'Agent',
      render: ({ event }) => {
        const id = event.actor.id ?? '';
        const agent = agents.byId(id);
        return agent ? (
          <Link to={`/agents/${id}`} className="mono agent-link" data-testid="gateway-call-agent">
            {agent.name}
          </Link>
        ) : (
          <span
            className="mono muted"
            title="Archived, or not in this organization"
            data-testid="gateway-call-agent"
          >
            {agents.loading ? '…' : id}
          </span>
        );
      },
    },
    {
      key: 'integration',
      header: 'Integration',
      render: ({ event, details }) =>
        event.target ? (
          <Link
            to={`/integrations/${event.target.id}`}
            className="mono agent-link"
            data-testid="gateway-call-integration"
          >
            {details.integration}
          </Link>
        ) : (
          <span className="mono" data-testid="gateway-call-integration">
            {details.integration}
          </span>
        ),
    },
    {
      key: 'request',
      header: 'Request',
      render: ({ details }) => (
        <span className="person-line mono">
          <span data-testid="gateway-call-method">{details.method}</span>
          <span className="audit-id" title={details.path} data-testid="gateway-call-path">
            {details.path}
          </span>
        </span>
      ),
    },
    {
      key: 'status',
      header: 'Status',
      render: ({ details }) => (
        <span data-testid="gateway-call-status" data-status={details.status}>
          <Badge tone={statusTone(details.status)}>{details.status}</Badge>
        </span>
      ),
    },
    {
      key: 'duration',
      header: 'Duration',
      align: 'right',
      render: ({ details }) => (
        <span data-testid="gateway-call-duration">{formatDuration(details.duration_ms)}</span>
      ),
    },
    {
      key: 'bytes',
      header: 'Bytes in / out',
      align: 'right',
      render: ({ details }) => (
        <span
          data-testid="gateway-call-bytes"
          title={`${details.bytes_in} B sent upstream, ${details.bytes_out} B back`}
        >
          {formatBytes(details.bytes_in)} / {formatBytes(details.bytes_out)}
        </span>
      ),
    },
    {
      key: 'signed',
      header: 'Signed',
      render: ({ details }) =>
        details.signed ? <Badge tone="primary">Signed</Badge> : <span className="muted">No</span>,
    },
  ];
  return (
    <Table
      label="Gateway calls"
      testId="gateway-calls-table"
      columns={columns}
      rows={calls}
      rowKey={(c) => c.event.id}
      rowProps={(c) => ({
        'data-testid': 'gateway-call-row',
        'data-id': c.event.id,
        'data-status': String(c.details.status),
      })}
    />
  );
}
