import type { ReactNode } from 'react';

/** Read-only tokens (scopes, tool names) as chips, or `empty` when there are none. */
export function ChipList({
  items,
  empty,
  testId,
}: {
  items: readonly string[];
  empty: ReactNode;
  testId?: string;
}) {
  if (items.length === 0) return <span className="muted">{empty}</span>;
  return (
    <ul className="chip-list" data-testid={testId}>
      {items.map((item) => (
        <li key={item} className="chip">
          {item}
        </li>
      ))}
    </ul>
  );
}
