// The audit list's filters: kept in the URL (?actor=&action=&target=&outcome=&from=&to=) so a filtered view can
// be linked, checked here as the server checks them, and turned to and from what the form's inputs hold.
import type { AuditFilters, AuditOutcome } from './types';

export const NO_FILTERS: AuditFilters = { actor: '', action: '', target: '', outcome: '', from: '', to: '' };
export const FILTER_KEYS = Object.keys(NO_FILTERS) as Array<keyof AuditFilters>;

/** An action (`token.issued`) or a prefix ending in `.*` (`token.*`), as the server accepts. */
const ACTION = /^[a-z0-9_.]+(\.\*)?$/;

export const isOutcome = (v: string): v is AuditOutcome => v === 'success' || v === 'failure';
const isInstant = (v: string) => v !== '' && !Number.isNaN(new Date(v).getTime());

export function filtersOf(params: URLSearchParams): AuditFilters {
  const get = (key: keyof AuditFilters) => params.get(key)?.trim() ?? '';
  const action = get('action');
  const outcome = get('outcome');
  return {
    actor: get('actor').slice(0, 100),
    action: ACTION.test(action) && action.length <= 100 ? action : '',
    target: get('target').slice(0, 200),
    outcome: isOutcome(outcome) ? outcome : '',
    from: isInstant(get('from')) ? new Date(get('from')).toISOString() : '',
    to: isInstant(get('to')) ? new Date(get('to')).toISOString() : '',
  };
}

export const isFiltered = (f: AuditFilters) => FILTER_KEYS.some((key) => f[key] !== '');

/** What is wrong with a typed action filter, if anything. */
export function actionError(action: string): string | undefined {
  if (action === '' || (ACTION.test(action) && action.length <= 100)) return undefined;
  return 'Use an action such as token.issued, or a prefix such as token.*';
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO instant as a `datetime-local` value: the user's wall-clock time, to the second. */
export function localInputOf(iso: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A `datetime-local` value (no zone: read as the user's local time) as an ISO instant; '' when empty. */
export function isoOfLocalInput(value: string): string {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}
