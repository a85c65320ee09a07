import type { CSSProperties } from 'react';
import type { ActivityCell } from './types';

/** Day-of-week labels in the API's numbering: 0 is Sunday. */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
// Read Monday first, as a working week.
const ROW_ORDER = [1, 2, 3, 4, 5, 6, 0];
const HOURS = Array.from({ length: 24 }, (_, h) => h);

/** Adds up cells of several agents by (day, hour). */
export function sumCells(lists: ReadonlyArray<readonly ActivityCell[]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const cells of lists) {
    for (const c of cells)
      counts.set(`${c.dow}:${c.hour}`, (counts.get(`${c.dow}:${c.hour}`) ?? 0) + c.count);
  }
  return counts;
}

/**
 * When in the week agents act: a row per day, a column per hour (UTC), shaded by count of records. A CSS grid,
 * since the chart library has no heatmap; each cell names its count for hover and for screen readers.
 */
export function ActivityHeatmap({ counts }: { counts: Map<string, number> }) {
  const max = Math.max(0, ...counts.values());
  return (
    <div className="heatmap-wrap">
      <table className="heatmap" data-testid="activity-heatmap">
        <caption className="sr-only">Agent activity by day of week and hour (UTC)</caption>
        <thead>
          <tr>
            <td />
            {HOURS.map((h) => (
              <th key={h} scope="col" className="heatmap-hour" aria-label={`${h}:00`}>
                {h % 3 === 0 ? String(h).padStart(2, '0') : ''}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {ROW_ORDER.map((dow) => (
            <tr key={dow}>
              <th scope="row" className="heatmap-day">
                {DAYS[dow]}
              </th>
              {HOURS.map((hour) => {
                const count = counts.get(`${dow}:${hour}`) ?? 0;
                const label = `${DAYS[dow]} ${String(hour).padStart(2, '0')}:00 UTC: ${count} record${count === 1 ? '' : 's'}`;
                return (
                  <td
                    key={hour}
                    className="heatmap-cell"
                    style={{ '--heat': max ? count / max : 0 } as CSSProperties}
                    title={label}
                    data-testid="heatmap-cell"
                    data-dow={dow}
                    data-hour={hour}
                    data-count={count}
                  >
                    <span className="sr-only">{count}</span>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
