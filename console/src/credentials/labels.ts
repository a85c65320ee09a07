import type { Credential, CredentialStatus, CredentialType } from './types';

export const TYPE_LABELS: Record<CredentialType, string> = {
  client_secret: 'Client secret',
  api_key: 'API key',
  private_key_jwt: 'Private key JWT',
};

export const TYPE_OPTIONS = (Object.keys(TYPE_LABELS) as CredentialType[]).map((value) => ({
  value,
  label: TYPE_LABELS[value],
}));

export const TYPE_HINTS: Record<CredentialType, string> = {
  client_secret:
    'A client id and secret for the OAuth token endpoint (client_secret_basic or client_secret_post).',
  api_key: 'One key, sent as a Bearer token to POST /v1/sessions for a short-lived access token.',
  private_key_jwt:
    'The agent signs its own assertions (RFC 7523) with a private key; Gatehouse keeps only the public keys.',
};

export const STATUS_LABELS: Record<CredentialStatus, string> = {
  active: 'Active',
  rotating: 'Rotating',
  expired: 'Expired',
  revoked: 'Revoked',
};

export const isCredentialType = (value: string): value is CredentialType => value in TYPE_LABELS;

/** Only generated secrets can be rotated; a private_key_jwt credential gets new keys as a new credential. */
export const canRotate = (c: Credential) =>
  c.type !== 'private_key_jwt' && (c.status === 'active' || c.status === 'rotating');

/** The server's bounds for grace_seconds, and the choices offered. */
export const GRACE_DEFAULT = 3600;
export const GRACE_OPTIONS = [
  { value: '0', label: 'None: the old secret stops now' },
  { value: '300', label: '5 minutes' },
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '7 days' },
];

/** How the credential is told apart in a list: its client id, or the public part of the API key. */
export function identifierOf(c: Pick<Credential, 'type' | 'client_id' | 'key_prefix'>): string {
  if (c.type === 'api_key') return c.key_prefix ? `gh_${c.key_prefix}_…` : '—';
  return c.client_id ?? '—';
}
