import { z } from 'zod';
import type { AuthMeta, AuthType } from './tables.js';

/**
 * Integration auth methods: how each is described in the API, which part is the credential
 * (sealed, write-only) and which is public metadata, and how the gateway injects it upstream.
 */

/** Whether `s` holds a control character (C0 or DEL), which would let a value split a header. */
export const hasControl = (s: string) =>
  [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
const noControl = (s: string) => !hasControl(s);

// A credential goes into a header or a query string: no control characters (header injection).
const secret = z.string().min(1).max(8192).refine(noControl, 'must not contain control characters');

// Headers the gateway owns or that would change how the upstream request is framed.
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'te',
]);
const paramName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'must be a header or query parameter name (token characters)')
  .refine((n) => !RESERVED_HEADERS.has(n.toLowerCase()), 'is a header the gateway sets itself');
const username = z
  .string()
  .min(1)
  .max(200)
  .refine((u) => noControl(u) && !u.includes(':'), 'must not contain a colon or control characters');
const tokenUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000);
const clientId = z.string().min(1).max(500).refine(noControl, 'must not contain control characters');
const scope = z
  .string()
  .max(2000)
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'must be space-separated scope tokens');
const audience = z.string().min(1).max(2000);
const clientAuth = z.enum(['basic', 'post']);

function methods<S extends z.ZodType>(s: S) {
  return [
    z
      .object({ type: z.literal('api_key'), in: z.enum(['header', 'query']), name: paramName, value: s })
      .strict(),
    z.object({ type: z.literal('bearer'), token: s }).strict(),
    z.object({ type: z.literal('basic'), username, password: s }).strict(),
    z
      .object({
        type: z.literal('oauth2_client_credentials'),
        token_url: tokenUrl,
        client_id: clientId,
        client_secret: s,
        scope: scope.optional(),
        audience: audience.optional(),
        // How the client authenticates to the token endpoint (RFC 6749 §2.3.1): HTTP Basic or form fields.
        client_auth: clientAuth.optional(),
      })
      .strict(),
  ] as const;
}

/** `auth` on create: every method with its credential. */
export const authInput = z.discriminatedUnion('type', methods(secret));
export type AuthInput = z.infer<typeof authInput>;

/**
 * `auth` on PATCH: the same, with the credential optional. Without it the stored credential is
 * kept (say, to rename the header); a change of type must bring one.
 */
export const authPatch = z.discriminatedUnion('type', methods(secret.optional()));
export type AuthPatch = z.infer<typeof authPatch>;

/** Splits an auth input into the public metadata and the credential (undefined when not given). */
export function splitAuth(auth: AuthInput | AuthPatch): { type: AuthType; meta: AuthMeta; secret?: string } {
  const of = (meta: AuthMeta, s: string | undefined) => ({
    type: auth.type,
    meta,
    ...(s ? { secret: s } : {}),
  });
  switch (auth.type) {
    case 'api_key':
      return of({ in: auth.in, name: auth.name }, auth.value);
    case 'bearer':
      return of({}, auth.token);
    case 'basic':
      return of({ username: auth.username }, auth.password);
    case 'oauth2_client_credentials':
      return of(
        {
          token_url: auth.token_url,
          client_id: auth.client_id,
          ...(auth.scope ? { scope: auth.scope } : {}),
          ...(auth.audience ? { audience: auth.audience } : {}),
          client_auth: auth.client_auth ?? 'basic',
        },
        auth.client_secret,
      );
  }
}

/** What the gateway needs to call upstream, decrypted: the method's metadata and its credential. */
export type AuthMaterial =
  | { type: 'api_key'; in: 'header' | 'query'; name: string; value: string }
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | {
      type: 'oauth2_client_credentials';
      token_url: string;
      client_id: string;
      client_secret: string;
      scope?: string;
      audience?: string;
      client_auth: 'basic' | 'post';
    };

/** Joins the stored metadata and the opened credential back into one auth method. */
export function materialOf(type: AuthType, meta: AuthMeta, credential: string): AuthMaterial {
  switch (type) {
    case 'api_key':
      return { type, in: meta.in ?? 'header', name: meta.name ?? '', value: credential };
    case 'bearer':
      return { type, token: credential };
    case 'basic':
      return { type, username: meta.username ?? '', password: credential };
    case 'oauth2_client_credentials':
      return {
        type,
        token_url: meta.token_url ?? '',
        client_id: meta.client_id ?? '',
        client_secret: credential,
        ...(meta.scope ? { scope: meta.scope } : {}),
        ...(meta.audience ? { audience: meta.audience } : {}),
        client_auth: meta.client_auth ?? 'basic',
      };
  }
}

/** `user:password` as RFC 7617 sends it. */
export const basicAuthorization = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

/** What the gateway adds to an upstream request: headers to set and query parameters to add. */
export interface Injection {
  headers: Record<string, string>;
  query: Record<string, string>;
}

/** The injection for a static method; oauth2 passes the upstream access token it got instead. */
export function injectionOf(
  material: AuthMaterial,
  accessToken?: { token: string; type: string },
): Injection {
  switch (material.type) {
    case 'api_key':
      return material.in === 'header'
        ? { headers: { [material.name.toLowerCase()]: material.value }, query: {} }
        : { headers: {}, query: { [material.name]: material.value } };
    case 'bearer':
      return { headers: { authorization: `Bearer ${material.token}` }, query: {} };
    case 'basic':
      return {
        headers: { authorization: basicAuthorization(material.username, material.password) },
        query: {},
      };
    case 'oauth2_client_credentials': {
      if (!accessToken) throw new Error('an oauth2 integration needs an access token');
      // RFC 6750: the scheme is Bearer whatever case the token endpoint wrote it in.
      const scheme = accessToken.type.toLowerCase() === 'bearer' ? 'Bearer' : accessToken.type;
      return { headers: { authorization: `${scheme} ${accessToken.token}` }, query: {} };
    }
  }
}
