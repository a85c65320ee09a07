import { randomBytes } from 'node:crypto';
import type { Ctx, Principal, RequestMeta } from '../../platform/context.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import type { AgentService } from '../agents/service.js';
import type { AuditService } from '../audit/service.js';
import type { CredentialService } from '../credentials/service.js';
import type { OrgService } from '../orgs/service.js';
import { type ClientMetadata, parseClientMetadata } from './client-metadata.js';
import { registrationErrors as errors, RegistrationError } from './errors.js';
import type { RegistrationSettingsService } from './service.js';
import type { InitialAccessToken } from './tables.js';

interface Deps {
  db: Db;
  audit: AuditService;
  settings: RegistrationSettingsService;
  orgs: Pick<OrgService, 'isMember'>;
  agents: Pick<AgentService, 'create' | 'archive'>;
  credentials: Pick<CredentialService, 'create'>;
}

/** Registration acts by itself: audit records name it, not the admin who issued the token. */
const ACTOR = { type: 'system', id: 'registration' } as const;
const registrationCtx = (orgId: string, meta: RequestMeta): Ctx<Principal> => ({
  principal: { ...ACTOR, orgId },
  meta,
});

const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';
const suffix = () => Array.from(randomBytes(6), (b) => BASE32[b % 32]).join('');

/** A DNS-label agent name from the client's name: `Claude Desktop` → `claude-desktop`. */
export function agentNameOf(clientName: string | undefined): string {
  const base = (clientName ?? '')
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 48)
    .replace(/^-+|-+$/g, '');
  return base || 'client';
}

const isNameTaken = (err: unknown) => err instanceof AppError && err.code === 'name_taken';

/**
 * POST /oauth/register (RFC 7591 §3): the initial access token names the org and must be live;
 * the org must have registration on; the metadata is checked in full; then one use is counted,
 * and the client is made as an agent with one credential, through their services.
 */
export function createRegistration(deps: Deps) {
  const { db, audit, settings, orgs, agents, credentials } = deps;

  /** The agent, named after the client and made unique with a random suffix when the name is taken. */
  async function createAgent(ctx: Ctx<Principal>, client: ClientMetadata, token: InitialAccessToken) {
    const base = agentNameOf(client.client_name);
    const input = {
      display_name: client.client_name ?? base,
      description: 'Registered through dynamic client registration (RFC 7591)',
      // The admin who issued the token answers for what it registers.
      owner: token.created_by as string,
      allowed_scopes: client.scopes,
      metadata: {
        registration: {
          token_endpoint_auth_method: client.token_endpoint_auth_method,
          grant_types: client.grant_types,
          registered_with: token.id,
          ...(client.software_id ? { software_id: client.software_id } : {}),
          ...(client.software_version ? { software_version: client.software_version } : {}),
          ...(client.contacts ? { contacts: client.contacts } : {}),
        },
      },
    };
    for (let attempt = 0; ; attempt++) {
      const name = attempt === 0 ? base : `${base}-${suffix()}`;
      try {
        return await agents.create(ctx, { ...input, name });
      } catch (err) {
        if (!isNameTaken(err) || attempt >= 3) throw err;
      }
    }
  }

  /** A refusal after the token named the org is recorded there, so admins see attempts. */
  const recordRefusal = (token: InitialAccessToken, err: RegistrationError, meta: RequestMeta) =>
    db.tenant(token.org_id, (trx) =>
      audit.record(trx, {
        orgId: token.org_id,
        actor: ACTOR,
        action: 'client.registered',
        outcome: 'failure',
        target: { type: 'initial_access', id: token.id },
        meta,
        details: { error: err.code, description: err.description },
      }),
    );

  async function registerWith(token: InitialAccessToken, body: unknown, meta: RequestMeta) {
    const orgId = token.org_id;
    const setting = await settings.settingsOf(orgId);
    if (!setting.enabled) throw errors.disabled();
    const client = parseClientMetadata(body, setting.default_scopes);
    await db.tenant(orgId, async (trx) => {
      if (!token.created_by || !(await orgs.isMember(trx, orgId, token.created_by))) {
        throw errors.token('the admin who issued this initial access token is no longer a member');
      }
      await settings.consume(trx, token);
    });

    const ctx = registrationCtx(orgId, meta);
    const agent = await createAgent(ctx, client, token);
    let issued: Awaited<ReturnType<CredentialService['create']>>;
    try {
      issued = await credentials.create(
        ctx,
        agent.id,
        client.jwks
          ? { type: 'private_key_jwt', jwks: client.jwks }
          : client.jwks_uri
            ? { type: 'private_key_jwt', jwks_uri: client.jwks_uri }
            : { type: 'client_secret' },
      );
    } catch (err) {
      // An agent without its credential is no client: archive it rather than leave it half made.
      await agents.archive(ctx, agent.id).catch(() => {});
      throw err;
    }
    const clientId = issued.credential.client_id as string;
    await db.tenant(orgId, (trx) =>
      audit.record(trx, {
        orgId,
        actor: ACTOR,
        action: 'client.registered',
        target: { type: 'agent', id: agent.id },
        meta,
        details: {
          client_id: clientId,
          credential_id: issued.credential.id,
          registered_with: token.id,
          auth_method: client.token_endpoint_auth_method,
          grant_types: client.grant_types,
          scope: client.scopes.join(' '),
          software_id: client.software_id ?? null,
        },
      }),
    );
    return { agent, issued, client };
  }

  return {
    /** The live initial access token a request presents, or invalid_token; before its body is read. */
    authenticate: settings.authenticate,

    /** Registers a client for the org the token names; RegistrationError for every refusal. */
    async register(token: InitialAccessToken, body: unknown, meta: RequestMeta) {
      try {
        return await registerWith(token, body, meta);
      } catch (err) {
        if (err instanceof RegistrationError) await recordRefusal(token, err, meta);
        throw err;
      }
    },
  };
}
export type Registration = ReturnType<typeof createRegistration>;
