import type { Interval, Range } from './types';

export type RangeKey = '24h' | '7d' | '30d';

const HOUR = 3_600_000;
export const RANGES: ReadonlyArray<{ value: RangeKey; label: string; hours: number; interval: Interval }> = [
  { value: '24h', label: 'Last 24 hours', hours: 24, interval: 'hour' },
  { value: '7d', label: 'Last 7 days', hours: 7 * 24, interval: 'day' },
  { value: '30d', label: 'Last 30 days', hours: 30 * 24, interval: 'day' },
];

export const isRangeKey = (v: string): v is RangeKey => RANGES.some((r) => r.value === v);

/** The window ending now, from the start of its first hour so the first bucket is whole. */
export function rangeOf(key: RangeKey, now = Date.now()): Range {
  const hours = RANGES.find((r) => r.value === key)?.hours ?? 24;
  const from = Math.floor((now - hours * HOUR) / HOUR) * HOUR;
  return { from: new Date(from).toISOString(), to: new Date(now).toISOString() };
}

/** The interval a range is best read at. */
export const defaultInterval = (key: RangeKey): Interval =>
  RANGES.find((r) => r.value === key)?.interval ?? 'hour';
