import type { ReactNode } from 'react';
import { cx } from '../lib/cx';

export interface Column<T> {
  key: string;
  header: ReactNode;
  render: (row: T) => ReactNode;
  /** Right-align (actions, numbers). */
  align?: 'left' | 'right';
  width?: string;
}

export interface TableProps<T> {
  label: string;
  columns: ReadonlyArray<Column<T>>;
  rows: readonly T[];
  rowKey: (row: T) => string;
  /** Extra attributes per row, e.g. data-testid / data-* hooks for tests. */
  rowProps?: (row: T) => Record<`data-${string}`, string>;
  /** Shown in place of the body when there are no rows. */
  empty?: ReactNode;
  testId?: string;
}

export function Table<T>({ label, columns, rows, rowKey, rowProps, empty, testId }: TableProps<T>) {
  if (rows.length === 0 && empty) return <>{empty}</>;
  return (
    <div className="table-wrap">
      <table className="table" aria-label={label} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th
                key={c.key}
                scope="col"
                style={c.width ? { width: c.width } : undefined}
                className={cx(c.align === 'right' && 'align-right')}
              >
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} {...rowProps?.(row)}>
              {columns.map((c) => (
                <td key={c.key} className={cx(c.align === 'right' && 'align-right')}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
