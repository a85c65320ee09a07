import { Button } from '../ui/Button';
import { type Column, Table } from '../ui/Table';
import { AgentSkillsLink } from './AgentLink';
import type { CatalogueAction, Holder } from './types';

export interface CapabilityRow {
  capability: string;
  actions: CatalogueAction[];
  /** Undefined while loading; most trusted first, so the first is the best agent. */
  holders: Holder[] | undefined;
}

export interface CapabilitiesTableProps {
  rows: readonly CapabilityRow[];
  selected: string;
  onSelect: (capability: string) => void;
}

/** Each capability: the actions that need it, how many active agents hold it now, and the best of them. */
export function CapabilitiesTable({ rows, selected, onSelect }: CapabilitiesTableProps) {
  const columns: Column<CapabilityRow>[] = [
    {
      key: 'capability',
      header: 'Capability',
      render: (r) => (
        <span className="mono" data-testid="capability-name">
          {r.capability}
        </span>
      ),
    },
    {
      key: 'actions',
      header: 'Needed by',
      render: (r) =>
        r.actions.length ? (
          <ul className="chip-list" data-testid="capability-actions">
            {r.actions.map((a) => (
              <li key={a.name} className="chip" title={`${a.description} (on ${a.resource})`}>
                {a.name}
              </li>
            ))}
          </ul>
        ) : (
          <span className="muted">No action yet</span>
        ),
    },
    {
      key: 'holders',
      header: 'Holders',
      align: 'right',
      render: (r) =>
        r.holders === undefined ? (
          <span className="muted">…</span>
        ) : (
          <Button
            size="sm"
            variant="ghost"
            aria-pressed={selected === r.capability}
            onClick={() => onSelect(selected === r.capability ? '' : r.capability)}
            data-testid="capability-holders"
            data-count={r.holders.length}
          >
            {r.holders.length === 1 ? '1 agent' : `${r.holders.length} agents`}
          </Button>
        ),
    },
    {
      key: 'best',
      header: 'Best agent',
      render: (r) => {
        const best = r.holders?.[0];
        if (!best) return <span className="muted">{r.holders ? 'None' : '…'}</span>;
        return (
          <span className="person-line" data-testid="capability-best" data-agent={best.agent_id}>
            <AgentSkillsLink id={best.agent_id} name={best.name} />
            <span className="muted">trust {best.trust_score}</span>
          </span>
        );
      },
    },
  ];
  return (
    <Table
      label="Capabilities"
      testId="capabilities-table"
      columns={columns}
      rows={rows}
      rowKey={(r) => r.capability}
      rowProps={(r) => ({ 'data-testid': 'capability-row', 'data-capability': r.capability })}
    />
  );
}
