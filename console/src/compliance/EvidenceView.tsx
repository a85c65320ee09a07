import type { ReactNode } from 'react';
import { ChipList } from '../ui/ChipList';

type Obj = Record<string, unknown>;

/** `stale_credentials` → "Stale credentials". */
const labelOf = (key: string) => {
  const words = key.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const isPrimitive = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function cellOf(value: unknown): ReactNode {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'number') return value.toLocaleString();
  if (typeof value === 'string') return value;
  return <span className="mono">{JSON.stringify(value)}</span>;
}

/** Rows of the same kind (the offending credentials, agents…): a small table, a column per field. */
function RecordTable({ rows }: { rows: readonly Obj[] }) {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return (
    <div className="table-wrap evidence-table">
      <table className="table">
        <thead>
          <tr>
            {keys.map((k) => (
              <th key={k} scope="col">
                {labelOf(k)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            // Evidence rows have no id of their own; their order is the report's.
            // biome-ignore lint/suspicious/noArrayIndexKey: a static list, never reordered
            <tr key={i} data-testid="evidence-record">
              {keys.map((k) => (
                <td key={k} className={k.endsWith('_id') || k === 'kid' ? 'mono' : undefined}>
                  {cellOf(row[k])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function renderValue(value: unknown): ReactNode {
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">None</span>;
    if (value.every(isPrimitive))
      return <ChipList items={value.map(String)} empty="None" testId="evidence-list" />;
    if (value.every(isObject)) return <RecordTable rows={value} />;
    return <pre className="code-block">{JSON.stringify(value, null, 2)}</pre>;
  }
  if (isObject(value)) return <EvidenceView evidence={value} />;
  return cellOf(value);
}

/** What a control's check looked at, as labelled values: ids as chips, rows as tables, objects nested. */
export function EvidenceView({ evidence }: { evidence: Obj }) {
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
