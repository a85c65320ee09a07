import { OwnerName } from '../agents/OwnerName';
import type { Members } from '../lib/useMembers';
import { Button } from '../ui/Button';
import { RelativeTime } from '../ui/RelativeTime';
import { type Column, Table } from '../ui/Table';
import { SkillStatusBadge } from './SkillStatusBadge';
import type { Skill } from './types';

export interface SkillsTableProps {
  skills: readonly Skill[];
  members: Members;
  canEdit: boolean;
  onRenew: (skill: Skill) => void;
  onRevoke: (skill: Skill) => void;
}

/** An agent's skills: what was granted, why, by whom, until when, and whether it still counts. */
export function SkillsTable({ skills, members, canEdit, onRenew, onRevoke }: SkillsTableProps) {
  const now = Date.now();
  const columns: Column<Skill>[] = [
    {
      key: 'capability',
      header: 'Capability',
      render: (s) => (
        <span className="mono" data-testid="skill-capability">
          {s.capability}
        </span>
      ),
    },
    {
      key: 'note',
      header: 'Note',
      render: (s) =>
        s.note ? <span data-testid="skill-note">{s.note}</span> : <span className="muted">None</span>,
    },
    {
      key: 'granted-by',
      header: 'Granted by',
      render: (s) =>
        s.granted_by?.startsWith('agt_') ? (
          <span className="mono muted">{s.granted_by}</span>
        ) : (
          <OwnerName id={s.granted_by} members={members} />
        ),
    },
    { key: 'granted', header: 'Granted', render: (s) => <RelativeTime iso={s.granted_at} now={now} /> },
    {
      key: 'expires',
      header: 'Expires',
      render: (s) => (
        <span data-testid="skill-expires">
          {s.expires_at ? (
            <RelativeTime iso={s.expires_at} now={now} />
          ) : (
            <span className="muted">Never</span>
          )}
        </span>
      ),
    },
    { key: 'status', header: 'Status', render: (s) => <SkillStatusBadge live={s.live} /> },
  ];
  if (canEdit) {
    columns.push({
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      align: 'right',
      render: (s) => (
        <span className="row-actions">
          <Button size="sm" variant="ghost" onClick={() => onRenew(s)} data-testid="skill-renew">
            {s.live ? 'Change' : 'Grant again'}
          </Button>
          <Button
            size="sm"
            variant="ghost"
            className="btn-danger-text"
            onClick={() => onRevoke(s)}
            data-testid="skill-revoke"
          >
            Revoke
          </Button>
        </span>
      ),
    });
  }
  return (
    <Table
      label="Skills"
      testId="skills-table"
      columns={columns}
      rows={skills}
      rowKey={(s) => s.capability}
      rowProps={(s) => ({
        'data-testid': 'skill-row',
        'data-capability': s.capability,
        'data-live': String(s.live),
      })}
    />
  );
}
