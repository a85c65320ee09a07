import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { AgentIndex } from '../delegations/useAgentIndex';
import { agentLabel } from './agentLabel';
import { colorAt } from './palette';
import type { Interval, TokensOverTime } from './types';

const hourly = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric' });
const daily = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const tick = (interval: Interval) => (at: number) => (interval === 'hour' ? hourly : daily).format(at);

type Row = { at: number } & Record<string, number>;

const STEP: Record<Interval, number> = { hour: 3_600_000, day: 86_400_000 };

/**
 * One row per bucket of the window, with a count per agent: the API leaves out empty buckets, so they are
 * put back as zeros here. Buckets start on whole UTC hours or days, as the server truncates them.
 */
function rowsOf(data: TokensOverTime): Row[] {
  const step = STEP[data.interval];
  const rows = new Map<number, Row>();
  const zeros = () => Object.fromEntries(data.series.map((s) => [s.agent_id, 0]));
  const end = Date.parse(data.to);
  for (let at = Math.floor(Date.parse(data.from) / step) * step; at < end; at += step) {
    rows.set(at, { at, ...zeros() } as Row);
  }
  for (const s of data.series) {
    for (const p of s.points) {
      const at = Date.parse(p.at);
      const row = rows.get(at) ?? ({ at, ...zeros() } as Row);
      row[s.agent_id] = (row[s.agent_id] ?? 0) + p.count;
      rows.set(at, row);
    }
  }
  return [...rows.values()].sort((a, b) => a.at - b.at);
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
              type="linear"
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
