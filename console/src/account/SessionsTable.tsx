import type { SessionInfo } from '../api';
import { describeUserAgent } from '../lib/userAgent';
import { Badge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { RelativeTime } from '../ui/RelativeTime';
import { type Column, Table } from '../ui/Table';

export interface SessionsTableProps {
  sessions: readonly SessionInfo[];
  /** The session being signed out, if any; its button spins and the others wait. */
  signingOut: string | null;
  onSignOut: (session: SessionInfo) => void;
}

export function SessionsTable({ sessions, signingOut, onSignOut }: SessionsTableProps) {
  const now = Date.now();
  const columns: Column<SessionInfo>[] = [
    {
      key: 'device',
      header: 'Device',
      render: (s) => (
        <span className="person-line">
          <span className="person-name" title={s.user_agent ?? undefined} data-testid="session-device">
            {describeUserAgent(s.user_agent)}
          </span>
          {s.current && <Badge tone="success">This session</Badge>}
        </span>
      ),
    },
    {
      key: 'ip',
      header: 'IP address',
      render: (s) => (s.ip ? <span className="mono">{s.ip}</span> : <span className="muted">Unknown</span>),
    },
    { key: 'created', header: 'Signed in', render: (s) => <RelativeTime iso={s.created_at} now={now} /> },
    {
      key: 'last_seen',
      header: 'Last active',
      render: (s) => (s.current ? 'Now' : <RelativeTime iso={s.last_seen_at} now={now} />),
    },
    {
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      align: 'right',
      render: (s) =>
        !s.current && (
          <Button
            size="sm"
            variant="ghost"
            className="btn-danger-text"
            onClick={() => onSignOut(s)}
            loading={signingOut === s.id}
            disabled={signingOut !== null}
            aria-label={`Sign out ${describeUserAgent(s.user_agent)} session`}
            data-testid="session-sign-out"
          >
            Sign out
          </Button>
        ),
    },
  ];
  return (
    <Table
      label="Sessions"
      testId="sessions-table"
      columns={columns}
      rows={sessions}
      rowKey={(s) => s.id}
      rowProps={(s) => ({
        'data-testid': 'session-row',
        'data-session-id': s.id,
        'data-current': String(s.current),
      })}
    />
  );
}
