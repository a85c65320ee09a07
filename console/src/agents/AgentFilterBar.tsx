import { type ChangeEvent, useEffect, useRef, useState } from 'react';
import type { AgentStatus } from '../api';
import { AGENT_STATUSES, isAgentStatus, NAME_PREFIX, STATUS_LABELS } from '../lib/agents';
import { type Members, memberLabel } from '../lib/useMembers';
import { SearchInput } from '../ui/SearchInput';
import { Select } from '../ui/Select';

export interface AgentListFilters {
  /** '' lists every agent that is not archived (the API's default). */
  status: AgentStatus | '';
  owner: string;
  /** A name prefix, lowercase. */
  name: string;
}

const STATUS_OPTIONS = [
  { value: '', label: 'Not archived' },
  ...AGENT_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] })),
];

const SEARCH_DELAY_MS = 250;

export interface AgentFilterBarProps {
  filters: AgentListFilters;
  onChange: (change: Partial<AgentListFilters>) => void;
  members: Members;
}

/** Status, owner and name-prefix filters over the agent list. Typing searches after a short pause. */
export function AgentFilterBar({ filters, onChange, members }: AgentFilterBarProps) {
  const [text, setText] = useState(filters.name);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  // The pending search calls the onChange of the latest render: one from before it would bring back the
  // filters as they were then, undoing a change made during the pause.
  const latestOnChange = useRef(onChange);
  useEffect(() => {
    latestOnChange.current = onChange;
  });

  const prefix = text.trim().toLowerCase();
  const invalid = prefix !== '' && !NAME_PREFIX.test(prefix);

  function search(e: ChangeEvent<HTMLInputElement>) {
    const next = e.target.value;
    setText(next);
    clearTimeout(timer.current);
    const wanted = next.trim().toLowerCase();
    if (wanted === '' || NAME_PREFIX.test(wanted)) {
      timer.current = setTimeout(() => latestOnChange.current({ name: wanted }), SEARCH_DELAY_MS);
    }
  }

  const ownerOptions = [
    { value: '', label: 'Any owner' },
    ...[...members.members]
      .sort((a, b) => memberLabel(a).localeCompare(memberLabel(b)))
      .map((m) => ({ value: m.id, label: memberLabel(m) })),
  ];
  // An owner from the URL who is no longer listed still shows as the selection.
  if (filters.owner && !members.byId(filters.owner)) {
    ownerOptions.push({ value: filters.owner, label: members.loading ? 'Loading…' : filters.owner });
  }

  return (
    <div className="filter-bar" data-testid="agents-filters">
      <div className="filter-bar-search">
        <SearchInput
          label="Search agents by name"
          placeholder="Search by name prefix"
          value={text}
          onChange={search}
          invalid={invalid}
          data-testid="agents-filter-name"
        />
        {invalid && <p className="field-error">Names have only lowercase letters, digits and dashes.</p>}
      </div>
      <Select
        label="Status"
        hideLabel
        compact
        options={STATUS_OPTIONS}
        value={filters.status}
        onChange={(e) => onChange({ status: isAgentStatus(e.target.value) ? e.target.value : '' })}
        data-testid="agents-filter-status"
      />
      <Select
        label="Owner"
        hideLabel
        compact
        options={ownerOptions}
        value={filters.owner}
        onChange={(e) => onChange({ owner: e.target.value })}
        data-testid="agents-filter-owner"
      />
    </div>
  );
}
