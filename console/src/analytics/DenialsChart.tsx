import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { type Column, Table } from '../ui/Table';
import type { Denials } from './types';

type Reason = Denials['reasons'][number];

const reasonOf = (r: Reason) => r.reason ?? 'unspecified';

/** Refusals by reason: the biggest first as bars, and every one in a table with the action refused. */
export function DenialsChart({ data }: { data: Denials }) {
  const reasons = [...data.reasons].sort((a, b) => b.count - a.count);
  const bars = reasons.slice(0, 10).map((r) => ({ label: `${reasonOf(r)} (${r.action})`, count: r.count }));
  const columns: Column<Reason>[] = [
    { key: 'reason', header: 'Reason', render: (r) => <span className="mono">{reasonOf(r)}</span> },
    { key: 'action', header: 'Action', render: (r) => <span className="mono muted">{r.action}</span> },
    { key: 'count', header: 'Count', align: 'right', render: (r) => r.count.toLocaleString() },
  ];
  return (
    <>
      <div className="chart" data-testid="denials-chart">
        <ResponsiveContainer width="100%" height={Math.max(120, bars.length * 36 + 40)}>
          <BarChart data={bars} layout="vertical" margin={{ top: 8, right: 24, bottom: 0, left: 8 }}>
            <CartesianGrid stroke="#e3e6eb" horizontal={false} />
            <XAxis type="number" allowDecimals={false} fontSize={12} />
            <YAxis type="category" dataKey="label" width={240} fontSize={12} />
            <Tooltip />
            <Bar dataKey="count" name="Refused" fill="#d92d20" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <Table
        label="Refusals by reason"
        testId="denials-table"
        columns={columns}
        rows={reasons}
        rowKey={(r) => `${r.action}:${r.reason}`}
        rowProps={(r) => ({
          'data-testid': 'denial-row',
          'data-action': r.action,
          'data-reason': reasonOf(r),
          'data-count': String(r.count),
        })}
      />
    </>
  );
}
