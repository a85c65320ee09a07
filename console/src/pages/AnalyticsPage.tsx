import { useCallback, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ActivityHeatmap, sumCells } from '../analytics/ActivityHeatmap';
import { agentLabel } from '../analytics/agentLabel';
import { ChartBody } from '../analytics/ChartBody';
import { DenialsChart, TokensChart } from '../analytics/lazyCharts';
import { defaultInterval, isRangeKey, RANGES, type RangeKey, rangeOf } from '../analytics/ranges';
import type { Activity, Denials, Interval, TokensOverTime } from '../analytics/types';
import { ApiError, api } from '../api';
import { useSession } from '../auth/SessionContext';
import { useAgentIndex } from '../delegations/useAgentIndex';
import { useLoader } from '../lib/useLoader';
import { usePageTitle } from '../lib/usePageTitle';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { PageHeader } from '../ui/PageHeader';
import { Select } from '../ui/Select';

const RANGE_OPTIONS = RANGES.map((r) => ({ value: r.value, label: r.label }));
const INTERVAL_OPTIONS = [
  { value: 'hour', label: 'Per hour' },
  { value: 'day', label: 'Per day' },
];
const isInterval = (v: string | null): v is Interval => v === 'hour' || v === 'day';

/**
 * /analytics — tokens issued over time, when in the week agents get them, and why requests are refused (admins
 * only). The window and the interval are in the URL (?range=&interval=).
 */
export function AnalyticsPage() {
  usePageTitle('Analytics');
  const { org, role } = useSession();
  const isAdmin = role === 'admin';
  const [params, setParams] = useSearchParams();
  const rangeParam = params.get('range') ?? '';
  const rangeKey: RangeKey = isRangeKey(rangeParam) ? rangeParam : '7d';
  const intervalParam = params.get('interval');
  const interval = isInterval(intervalParam) ? intervalParam : defaultInterval(rangeKey);
  const [heatAgent, setHeatAgent] = useState('');
  const agents = useAgentIndex();
  // Fixed when the range is picked, so the three charts read the same window.
  const range = useMemo(() => rangeOf(rangeKey), [rangeKey]);

  const tokens = useLoader(
    useCallback(
      (): Promise<TokensOverTime | null> =>
        isAdmin ? api.tokenAnalytics(range, interval) : Promise.resolve(null),
      [isAdmin, range, interval],
    ),
  );
  const activity = useLoader(
    useCallback(
      (): Promise<Activity | null> => (isAdmin ? api.activityAnalytics(range) : Promise.resolve(null)),
      [isAdmin, range],
    ),
  );
  const denials = useLoader(
    useCallback(
      (): Promise<Denials | null> => (isAdmin ? api.denialAnalytics(range) : Promise.resolve(null)),
      [isAdmin, range],
    ),
  );
  const forbidden =
    !isAdmin ||
    [tokens, activity, denials].some((l) => l.error instanceof ApiError && l.error.status === 403);

  function change(key: 'range' | 'interval', value: string) {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        next.set(key, value);
        // A new range is read at its own interval until another is picked.
        if (key === 'range') next.delete('interval');
        return next;
      },
      { replace: true },
    );
  }

  const header = (
    <PageHeader
      title="Analytics"
      description={`How ${org.name}'s agents use Gatehouse, summed up from the audit log: the tokens they get, when they act, and what is refused.`}
      actions={
        isAdmin && (
          <Select
            label="Time window"
            hideLabel
            compact
            options={RANGE_OPTIONS}
            value={rangeKey}
            onChange={(e) => change('range', e.target.value)}
            data-testid="analytics-range"
          />
        )
      }
    />
  );
  if (forbidden) {
    return (
      <>
        {header}
        <Card>
          <EmptyState
            title="Only admins can see analytics"
            description="Ask an admin of this organization how its agents are used."
            data-testid="analytics-forbidden"
          />
        </Card>
      </>
    );
  }

  const heatAgents = activity.data?.agents ?? [];
  const heatOptions = [
    { value: '', label: 'All agents' },
    ...heatAgents.map((a) => ({ value: a.agent_id, label: agentLabel(agents, a.agent_id) })),
  ];
  const heatCells = heatAgents.filter((a) => !heatAgent || a.agent_id === heatAgent).map((a) => a.cells);

  return (
    <>
      {header}
      <div className="stack">
        <Card
          title="Tokens issued"
          description="Access tokens issued to each agent, client credentials and token exchange alike."
          actions={
            <Select
              label="Interval"
              hideLabel
              compact
              options={INTERVAL_OPTIONS}
              value={interval}
              onChange={(e) => change('interval', e.target.value)}
              data-testid="analytics-interval"
            />
          }
          data-testid="tokens-card"
        >
          <ChartBody
            loader={tokens}
            loadingLabel="Loading tokens issued"
            isEmpty={(d) => !d || d.series.every((s) => s.points.every((p) => p.count === 0))}
            empty={<EmptyState title="No tokens issued in this window" data-testid="tokens-empty" />}
          >
            {(d) => d && <TokensChart data={d} agents={agents} />}
          </ChartBody>
        </Card>
        <Card
          title="Activity by hour"
          description="When in the week agents act (every audit record an agent causes), by day and hour (UTC); darker is busier."
          actions={
            <Select
              label="Agent"
              hideLabel
              compact
              options={heatOptions}
              value={heatAgent}
              onChange={(e) => setHeatAgent(e.target.value)}
              data-testid="activity-agent"
            />
          }
          data-testid="activity-card"
        >
          <ChartBody
            loader={activity}
            loadingLabel="Loading activity"
            isEmpty={(d) => !d || d.agents.length === 0}
            empty={<EmptyState title="No activity in this window" data-testid="activity-empty" />}
          >
            {() => <ActivityHeatmap counts={sumCells(heatCells)} />}
          </ChartBody>
        </Card>
        <Card
          title="Refusals"
          description="Requests refused in this window, by what was asked and why."
          flush
          data-testid="denials-card"
        >
          <ChartBody
            loader={denials}
            loadingLabel="Loading refusals"
            isEmpty={(d) => !d || d.reasons.length === 0}
            empty={<EmptyState title="Nothing was refused in this window" data-testid="denials-empty" />}
          >
            {(d) => d && <DenialsChart data={d} />}
          </ChartBody>
        </Card>
      </div>
    </>
  );
}
