import type { ReactNode } from 'react';
import { ChipList } from '../ui/ChipList';

/** `stale_credentials` → "Stale credentials". */
const labelOf = (key: string) => {
  const words = key.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const isPrimitive = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function renderValue(value: unknown): ReactNode {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'number') return value.toLocaleString();
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    if (value.every(isPrimitive))
      return <ChipList items={value.map(String)} empty="None" testId="evidence-list" />;
    return <pre className="code-block">{JSON.stringify(value, null, 2)}</pre>;
  }
  return <EvidenceView evidence={value as Record<string, unknown>} />;
}

/** What a control's check looked at, as labelled values: lists of ids as chips, nested objects nested. */
export function EvidenceView({ evidence }: { evidence: Record<string, unknown> }) {
  const entries = Object.entries(evidence);
  if (entries.length === 0) return <span className="muted">No evidence recorded.</span>;
  return (
    <dl className="details details-top evidence">
      {entries.map(([key, value]) => (
        <div key={key} className="evidence-row" data-testid="evidence-item" data-key={key}>
          <dt>{labelOf(key)}</dt>
          <dd>{renderValue(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
