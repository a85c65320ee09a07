// Words and form rules for integrations, as the vault checks them (server/src/modules/vault/schema.ts, auth.ts).
import { ApiError } from '../api';
import type { AuthInput, AuthType, Integration, IntegrationStatus } from './types';

export const AUTH_TYPES: readonly AuthType[] = ['api_key', 'bearer', 'basic', 'oauth2_client_credentials'];

export const AUTH_LABELS: Record<AuthType, string> = {
  api_key: 'API key',
  bearer: 'Bearer token',
  basic: 'Basic (username and password)',
  oauth2_client_credentials: 'OAuth 2.0 client credentials',
};

/** Each method's write-only part: the credential, as the API names it and as people do. */
export const CREDENTIAL: Record<AuthType, { key: string; label: string }> = {
  api_key: { key: 'value', label: 'API key' },
  bearer: { key: 'token', label: 'Token' },
  basic: { key: 'password', label: 'Password' },
  oauth2_client_credentials: { key: 'client_secret', label: 'Client secret' },
};

export const STATUS_LABELS: Record<IntegrationStatus, string> = { active: 'Active', disabled: 'Disabled' };

export const isAuthType = (v: string): v is AuthType => (AUTH_TYPES as readonly string[]).includes(v);

/** A DNS label: the `{name}` in gateway URLs. */
export const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const PARAM = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te']);
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
const CONTROL = /[\u0000-\u001f\u007f]/;

export function urlError(value: string, what = 'the URL'): string | undefined {
  if (!value.trim()) return `Enter ${what}.`;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return 'Enter a full URL, like https://api.example.com/v1.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Use an http(s) URL.';
  if (url.username || url.password || url.search || url.hash)
    return 'Leave out user info, a query and a fragment.';
  return undefined;
}

/** The auth form: every method's fields, so switching type keeps what was typed. */
export interface AuthDraft {
  type: AuthType;
  in: 'header' | 'query';
  name: string;
  username: string;
  token_url: string;
  client_id: string;
  scope: string;
  audience: string;
  client_auth: 'basic' | 'post';
  /** Typed only to set or replace it: never filled from the server, which never returns it. */
  credential: string;
}

export const authDraftOf = (i: Integration | null): AuthDraft => ({
  type: i?.auth.type ?? 'api_key',
  in: i?.auth.in ?? 'header',
  name: i?.auth.name ?? '',
  username: i?.auth.username ?? '',
  token_url: i?.auth.token_url ?? '',
  client_id: i?.auth.client_id ?? '',
  scope: i?.auth.scope ?? '',
  audience: i?.auth.audience ?? '',
  client_auth: i?.auth.client_auth ?? 'basic',
  credential: '',
});

export type AuthField = 'auth_name' | 'username' | 'token_url' | 'client_id' | 'scope' | 'credential';

/** What is wrong with the auth fields; `needCredential` when one must be typed (create, or a new type). */
export function authErrors(d: AuthDraft, needCredential: boolean): Partial<Record<AuthField, string>> {
  const errors: Partial<Record<AuthField, string>> = {};
  if (d.type === 'api_key') {
    if (!PARAM.test(d.name.trim())) errors.auth_name = 'Enter a header or query parameter name.';
    else if (d.in === 'header' && RESERVED.has(d.name.trim().toLowerCase()))
      errors.auth_name = 'The gateway sets this header itself: use another.';
  }
  if (d.type === 'basic' && (!d.username || d.username.includes(':') || CONTROL.test(d.username)))
    errors.username = 'Enter a username without a colon.';
  if (d.type === 'oauth2_client_credentials') {
    errors.token_url = urlError(d.token_url, 'the token endpoint');
    if (!d.client_id.trim()) errors.client_id = 'Enter the client id.';
    if (d.scope.trim() && !/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(d.scope.trim()))
      errors.scope = 'Use space-separated scopes.';
  }
  if (d.credential && CONTROL.test(d.credential)) errors.credential = 'Remove the control characters.';
  else if (needCredential && !d.credential)
    errors.credential = `Enter the ${CREDENTIAL[d.type].label.toLowerCase()}.`;
  return errors;
}

/** The `auth` to send; the credential goes only when typed (left out on a change, the stored one stays). */
export function authBody(d: AuthDraft): AuthInput {
  const secret = d.credential || undefined;
  const withSecret = <T extends object>(o: T, key: string) => (secret ? { ...o, [key]: secret } : o);
  switch (d.type) {
    case 'api_key':
      return withSecret({ type: 'api_key', in: d.in, name: d.name.trim() }, 'value') as AuthInput;
    case 'bearer':
      return withSecret({ type: 'bearer' }, 'token') as AuthInput;
    case 'basic':
      return withSecret({ type: 'basic', username: d.username }, 'password') as AuthInput;
    case 'oauth2_client_credentials':
      return withSecret(
        {
          type: 'oauth2_client_credentials',
          token_url: d.token_url.trim(),
          client_id: d.client_id.trim(),
          ...(d.scope.trim() ? { scope: d.scope.trim() } : {}),
          ...(d.audience.trim() ? { audience: d.audience.trim() } : {}),
          client_auth: d.client_auth,
        },
        'client_secret',
      ) as AuthInput;
  }
}

/** A field error the API put at `path` (`base_url`, `auth.token_url`), whatever prefix it used. */
export function errorAt(error: unknown, path: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.errors.find((e) => e.field.replace(/^(body)?[./]?/, '').replace(/\//g, '.') === path)?.message;
}

/** One line about how the gateway authenticates: "API key in header X-Api-Key". */
export function authSummary(i: Integration): string {
  const a = i.auth;
  switch (a.type) {
    case 'api_key':
      return `API key in ${a.in === 'query' ? 'query parameter' : 'header'} ${a.name ?? ''}`;
    case 'basic':
      return `Basic as ${a.username ?? ''}`;
    case 'oauth2_client_credentials':
      return `OAuth 2.0 as ${a.client_id ?? ''}`;
    default:
      return AUTH_LABELS[a.type] ?? a.type;
  }
}
