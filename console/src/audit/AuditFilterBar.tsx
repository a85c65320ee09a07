import { type FormEvent, useState } from 'react';
import { Button } from '../ui/Button';
import { Select } from '../ui/Select';
import { TextField } from '../ui/TextField';
import { actionError, isOutcome, isoOfLocalInput, localInputOf, NO_FILTERS } from './filters';
import type { AuditFilters } from './types';

const OUTCOME_OPTIONS = [
  { value: '', label: 'Any outcome' },
  { value: 'success', label: 'Success' },
  { value: 'failure', label: 'Failure' },
];

/** The form's values: the same filters, with from and to as `datetime-local` text. */
type Draft = AuditFilters;

const draftOf = (f: AuditFilters): Draft => ({ ...f, from: localInputOf(f.from), to: localInputOf(f.to) });

export interface AuditFilterBarProps {
  filters: AuditFilters;
  onApply: (filters: AuditFilters) => void;
}

/**
 * Actor, action (or prefix), target, outcome and time window over the audit list. Typed filters apply together
 * (Apply or Enter), so a half-typed id does not start a search; the outcome applies at once.
 */
export function AuditFilterBar({ filters, onApply }: AuditFilterBarProps) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(filters));
  const [submitted, setSubmitted] = useState(false);
  const badAction = submitted ? actionError(draft.action.trim()) : undefined;

  const set = (key: keyof Draft) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const applied = (d: Draft): AuditFilters => ({
    actor: d.actor.trim(),
    action: d.action.trim(),
    target: d.target.trim(),
    outcome: d.outcome,
    from: isoOfLocalInput(d.from),
    to: isoOfLocalInput(d.to),
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (actionError(draft.action.trim())) return;
    onApply(applied(draft));
  }

  function clear() {
    setDraft(draftOf(NO_FILTERS));
    setSubmitted(false);
    onApply(NO_FILTERS);
  }

  return (
    <form className="filter-bar audit-filters" onSubmit={submit} noValidate data-testid="audit-filters">
      <TextField
        label="Actor"
        placeholder="usr_…, agt_… or cli"
        value={draft.actor}
        onChange={(e) => set('actor')(e.target.value)}
        className="audit-filter"
        data-testid="audit-filter-actor"
      />
      <TextField
        label="Action"
        placeholder="token.issued or token.*"
        value={draft.action}
        onChange={(e) => set('action')(e.target.value)}
        error={badAction}
        className="audit-filter"
        data-testid="audit-filter-action"
      />
      <TextField
        label="Target"
        placeholder="An id"
        value={draft.target}
        onChange={(e) => set('target')(e.target.value)}
        className="audit-filter"
        data-testid="audit-filter-target"
      />
      <Select
        label="Outcome"
        options={OUTCOME_OPTIONS}
        value={draft.outcome}
        onChange={(e) => {
          const outcome = isOutcome(e.target.value) ? e.target.value : '';
          setDraft((d) => ({ ...d, outcome }));
          if (!actionError(draft.action.trim())) onApply(applied({ ...draft, outcome }));
        }}
        className="audit-filter"
        data-testid="audit-filter-outcome"
      />
      <TextField
        label="From"
        type="datetime-local"
        step={1}
        value={draft.from}
        onChange={(e) => set('from')(e.target.value)}
        className="audit-filter"
        data-testid="audit-filter-from"
      />
      <TextField
        label="To"
        type="datetime-local"
        step={1}
        value={draft.to}
        onChange={(e) => set('to')(e.target.value)}
        className="audit-filter"
        data-testid="audit-filter-to"
      />
      <div className="audit-filter-actions">
        <Button type="submit" variant="primary" data-testid="audit-filter-apply">
          Apply
        </Button>
        <Button onClick={clear} data-testid="audit-filter-clear">
          Clear
        </Button>
      </div>
    </form>
  );
}
