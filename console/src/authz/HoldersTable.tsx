import { ChipList } from '../ui/ChipList';
import { RelativeTime } from '../ui/RelativeTime';
import { type Column, Table } from '../ui/Table';
import { AgentSkillsLink } from './AgentLink';
import type { Holder } from './types';

/** The active agents holding one capability now, most trusted first (then the earliest grant). */
export function HoldersTable({ holders }: { holders: readonly Holder[] }) {
  const now = Date.now();
  const columns: Column<Holder>[] = [
    {
      key: 'agent',
      header: 'Agent',
      render: (h) => <AgentSkillsLink id={h.agent_id} name={h.name} testId="holder-name" />,
    },
    {
      key: 'trust',
      header: 'Trust score',
      align: 'right',
      render: (h) => <span data-testid="holder-trust">{h.trust_score}</span>,
    },
    { key: 'tags', header: 'Tags', render: (h) => <ChipList items={h.tags} empty="None" /> },
    { key: 'granted', header: 'Granted', render: (h) => <RelativeTime iso={h.granted_at} now={now} /> },
    {
      key: 'expires',
      header: 'Expires',
      render: (h) =>
        h.expires_at ? <RelativeTime iso={h.expires_at} now={now} /> : <span className="muted">Never</span>,
    },
  ];
  return (
    <Table
      label="Holders"
      testId="holders-table"
      columns={columns}
      rows={holders}
      rowKey={(h) => h.agent_id}
      rowProps={(h) => ({ 'data-testid': 'holder-row', 'data-agent': h.agent_id })}
    />
  );
}
