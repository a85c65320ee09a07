import type { DelegationStatus } from './types';

export const DELEGATION_STATUSES: readonly DelegationStatus[] = ['active', 'expired', 'revoked'];

export const STATUS_LABELS: Record<DelegationStatus, string> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
};

export const isDelegationStatus = (value: string): value is DelegationStatus =>
  (DELEGATION_STATUSES as readonly string[]).includes(value);

/** How long a chain of actors may grow through this grant (the server's bounds). */
export const DEPTH = { min: 1, max: 5, default: 1 } as const;
