import { formatDateTime, formatRelative } from '../lib/format';

/** "3 hours ago", with the exact date and time on hover. */
export function RelativeTime({ iso, now }: { iso: string; now?: number }) {
  return <span title={formatDateTime(iso)}>{formatRelative(iso, now)}</span>;
}
