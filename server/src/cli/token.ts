import { text } from 'node:stream/consumers';
import { OAuthError } from '../modules/oauth/errors.js';
import type { Runtime } from '../runtime.js';
import { command, fail } from './org-context.js';

export interface TokenOptions {
  clientId: string;
  clientSecret?: string;
  clientSecretStdin?: boolean;
  scope?: string;
  resource?: string;
  url?: string;
  json?: boolean;
}

interface TokenAnswer {
  access_token: string;
  [k: string]: unknown;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** RFC 6749 §2.3.1: each half of Basic client credentials is form-encoded first. */
const formEncode = (s: string) => encodeURIComponent(s).replaceAll('%20', '+');

function print(answer: TokenAnswer, json: boolean | undefined) {
  process.stdout.write(json ? `${JSON.stringify(answer, null, 2)}\n` : `${answer.access_token}\n`);
}

async function secretOf(opts: TokenOptions): Promise<string> {
  if (opts.clientSecretStdin) return (await text(process.stdin)).replace(/\r?\n$/, '');
  return opts.clientSecret ?? fail('give --client-secret or --client-secret-stdin');
}

/** Asks a running Gatehouse's token endpoint, as any client would (client_secret_basic). */
async function remoteToken(opts: TokenOptions & { url: string }, secret: string): Promise<TokenAnswer> {
  let issuer: URL;
  try {
    issuer = new URL(opts.url);
  } catch {
    fail(`--url ${opts.url} is not a URL`);
  }
  if (issuer.protocol !== 'https:' && !LOOPBACK.has(issuer.hostname)) {
    process.stderr.write('gatehouse: warning: sending a client secret over plain http\n');
  }
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (opts.scope) body.set('scope', opts.scope);
  if (opts.resource) body.set('resource', opts.resource);
  let res: Response;
  try {
    res = await fetch(`${issuer.href.replace(/\/+$/, '')}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${formEncode(opts.clientId)}:${formEncode(secret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body,
    });
  } catch (err) {
    fail(`cannot reach ${issuer.origin}: ${(err as Error).message}`);
  }
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok || typeof answer.access_token !== 'string') {
    const reason = answer.error
      ? `${answer.error}: ${answer.error_description ?? ''}`
      : `HTTP ${res.status} from the token endpoint`;
    fail(reason);
  }
  return answer as TokenAnswer;
}

/** Issues through this installation's own services, as the token endpoint would. */
async function localToken(rt: Runtime, opts: TokenOptions, secret: string): Promise<TokenAnswer> {
  const client = await rt.services.credentials.authenticateSecret(opts.clientId, secret);
  if (!client) fail('invalid_client: client authentication failed');
  try {
    return await rt.services.tokens.clientCredentials(
      client,
      { scope: opts.scope, resource: opts.resource },
      { ip: null, userAgent: 'gatehouse-cli', requestId: null },
    );
  } catch (err) {
    if (err instanceof OAuthError) fail(`${err.code}: ${err.description}`);
    throw err;
  }
}

/** `gatehouse token --url …`: no database is opened. */
export const runRemoteToken = command(async (opts: TokenOptions & { url: string }) => {
  print(await remoteToken(opts, await secretOf(opts)), opts.json);
});

/** `gatehouse token` without --url: this installation's database and keys. */
export const runLocalToken = command(async (rt: Runtime, opts: TokenOptions) => {
  print(await localToken(rt, opts, await secretOf(opts)), opts.json);
});
