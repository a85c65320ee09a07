import { z } from 'zod';
import { createCredentialBody } from '../credentials/schema.js';
import type { Jwks } from '../credentials/tables.js';
import { registrationErrors as errors } from './errors.js';
import { SCOPE_TOKEN } from './schema.js';

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
export const GRANT_TYPES = ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'] as const;

const list = (values: readonly string[]) => values.join(', ');

/**
 * The client metadata (RFC 7591 §2) Gatehouse understands. Other members are ignored, as §2
 * asks; redirect flows do not exist here, so redirect_uris and response_types are among them.
 */
const metadataBody = z.object({
  client_name: z.string().trim().min(1).max(200).optional(),
  token_endpoint_auth_method: z
    .enum(AUTH_METHODS, { error: `must be one of ${list(AUTH_METHODS)}` })
    .default('client_secret_basic'),
  grant_types: z
    .array(z.enum(GRANT_TYPES, { error: `only ${list(GRANT_TYPES)} are supported` }))
    .min(1)
    .max(GRANT_TYPES.length)
    .optional(),
  scope: z.string().max(4000).optional(),
  jwks: z.unknown().optional(),
  jwks_uri: z.unknown().optional(),
  software_id: z.string().min(1).max(200).optional(),
  software_version: z.string().min(1).max(100).optional(),
  contacts: z.array(z.string().trim().min(1).max(320)).max(10).optional(),
});

/** What a registration will create, checked in full before anything is. */
export interface ClientMetadata {
  client_name?: string;
  token_endpoint_auth_method: AuthMethod;
  grant_types: string[];
  /** The granted scopes, sorted; the org's default scopes when none were asked for. */
  scopes: string[];
  jwks?: Jwks;
  jwks_uri?: string;
  software_id?: string;
  software_version?: string;
  contacts?: string[];
}

const describe = (issue: z.core.$ZodIssue) =>
  issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message;

/** The scopes asked for (a space-separated `scope`), each within the org's default scopes. */
function grantedScopes(scope: string | undefined, allowed: readonly string[]): string[] {
  if (scope === undefined) return [...allowed].sort();
  const asked = [...new Set(scope.split(' ').filter(Boolean))];
  if (asked.some((s) => !SCOPE_TOKEN.test(s))) throw errors.metadata('scope: is not a list of scope tokens');
  const refused = asked.filter((s) => !allowed.includes(s));
  if (refused.length) {
    throw errors.metadata(
      `scope: not allowed for registered clients in this organization: ${refused.join(' ')}`,
    );
  }
  return asked.sort();
}

/**
 * Public keys for private_key_jwt, checked by the credentials module's own rules (public
 * signature keys only, size limits, https jwks_uri); refused for the secret methods.
 */
function keysOf(
  method: AuthMethod,
  jwks: unknown,
  jwksUri: unknown,
): Pick<ClientMetadata, 'jwks' | 'jwks_uri'> {
  if (method !== 'private_key_jwt') {
    if (jwks !== undefined || jwksUri !== undefined) {
      throw errors.metadata('jwks and jwks_uri are only for token_endpoint_auth_method private_key_jwt');
    }
    return {};
  }
  const parsed = createCredentialBody.safeParse({
    type: 'private_key_jwt',
    ...(jwks !== undefined ? { jwks } : {}),
    ...(jwksUri !== undefined ? { jwks_uri: jwksUri } : {}),
  });
  if (!parsed.success) throw errors.metadata(describe(parsed.error.issues[0] as z.core.$ZodIssue));
  const body = parsed.data;
  if (body.type !== 'private_key_jwt') throw new Error('unreachable: parsed as private_key_jwt');
  return body.jwks ? { jwks: body.jwks } : { jwks_uri: body.jwks_uri as string };
}

/** Validates a registration request's metadata against what the org allows (RFC 7591 §2). */
export function parseClientMetadata(body: unknown, allowedScopes: readonly string[]): ClientMetadata {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw errors.metadata('send the client metadata as a JSON object');
  }
  const parsed = metadataBody.safeParse(body);
  if (!parsed.success) throw errors.metadata(describe(parsed.error.issues[0] as z.core.$ZodIssue));
  const m = parsed.data;
  return {
    ...(m.client_name ? { client_name: m.client_name } : {}),
    token_endpoint_auth_method: m.token_endpoint_auth_method,
    // RFC 7591's default (authorization_code) does not exist here: the client gets what does.
    grant_types: m.grant_types ? [...new Set(m.grant_types)] : ['client_credentials'],
    scopes: grantedScopes(m.scope, allowedScopes),
    ...keysOf(m.token_endpoint_auth_method, m.jwks, m.jwks_uri),
    ...(m.software_id ? { software_id: m.software_id } : {}),
    ...(m.software_version ? { software_version: m.software_version } : {}),
    ...(m.contacts ? { contacts: m.contacts } : {}),
  };
}
