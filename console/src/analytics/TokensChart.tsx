import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { AgentIndex } from '../delegations/useAgentIndex';
import { agentLabel } from './agentLabel';
import { colorAt } from './palette';
import type { Interval, TokensOverTime } from './types';

const hourly = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric' });
const daily = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const tick = (interval: Interval) => (at: number) => (interval === 'hour' ? hourly : daily).format(at);

type Row = { at: number } & Record<string, number>;

/** One row per bucket with a count per agent; an agent with no point in a bucket issued none there. */
function rowsOf(data: TokensOverTime): Row[] {
  const byAt = new Map<number, Row>();
  for (const s of data.series) {
    for (const p of s.points) {
      const at = Date.parse(p.at);
      const row = byAt.get(at) ?? ({ at } as Row);
      row[s.agent_id] = (row[s.agent_id] ?? 0) + p.count;
      byAt.set(at, row);
    }
  }
  const rows = [...byAt.values()].sort((a, b) => a.at - b.at);
  for (const row of rows) for (const s of data.series) row[s.agent_id] ??= 0;
  return rows;
}

/** Tokens issued per hour or day, a line per agent. */
export function TokensChart({ data, agents }: { data: TokensOverTime; agents: AgentIndex }) {
  const format = tick(data.interval);
  const rows = rowsOf(data);
  return (
    <div className="chart" data-testid="tokens-chart">
      <ResponsiveContainer width="100%" height={300}>
        <LineChart data={rows} margin={{ top: 8, right: 24, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#e3e6eb" vertical={false} />
          <XAxis
            dataKey="at"
            type="number"
            scale="time"
            domain={['dataMin', 'dataMax']}
            tickFormatter={format}
            fontSize={12}
          />
          <YAxis allowDecimals={false} fontSize={12} width={40} />
          <Tooltip labelFormatter={(at) => format(Number(at))} />
          <Legend />
          {data.series.map((s, i) => (
            <Line
              key={s.agent_id}
              dataKey={s.agent_id}
              name={agentLabel(agents, s.agent_id)}
              type="monotone"
              stroke={colorAt(i)}
              strokeWidth={2}
              dot={{ r: 2 }}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
