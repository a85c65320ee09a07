// The analytics API's shapes (/v1/analytics/*).
export type Interval = 'hour' | 'day';

export interface TokenSeries {
  agent_id: string;
  points: Array<{ at: string; count: number }>;
}

/** Buckets without a token are left out. */
export interface TokensOverTime {
  interval: Interval;
  from: string;
  to: string;
  series: TokenSeries[];
}

/** An agent's audit records per day of the week (0 = Sunday) and hour of the day, both in UTC. */
export interface ActivityCell {
  dow: number;
  hour: number;
  count: number;
}

export interface Activity {
  agents: Array<{ agent_id: string; cells: ActivityCell[] }>;
}

export interface Denials {
  /** `reason` is the record's details.error; null when it has none. */
  reasons: Array<{ action: string; reason: string | null; count: number }>;
}

/** A time window as the API takes it: ISO instants. */
export interface Range {
  from: string;
  to: string;
}
