import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import { type AuthMaterial, type Injection, injectionOf } from './auth.js';
import type { VaultCaches } from './caches.js';
import type { EgressPolicy } from './egress.js';
import { vaultErrors as errors } from './errors.js';
import { createUpstreamTokens, type UpstreamToken } from './oauth2.js';
import type { Integration } from './tables.js';

/** What the gateway gets to call an integration's upstream. Never logged, never sent to a client. */
export interface ResolvedCredential {
  integrationId: string;
  type: AuthMaterial['type'];
  /** The decrypted auth method (for oauth2: the client credentials). */
  material: AuthMaterial;
  /** For oauth2 integrations: the current upstream access token. */
  accessToken?: UpstreamToken;
  /** Headers to set and query parameters to add on the upstream request. */
  inject: Injection;
}

interface Deps {
  clock: Clock;
  log: Logger;
  caches: VaultCaches;
}

const ID = /^int_[0-9a-z]{26}$/;
const AGENT_ID = /^agt_[0-9a-z]{26}$/;

/**
 * The vault as the gateway calls it, at request time, from memory: which integration a name
 * means, whether an agent may call it, the org's egress policy, and the decrypted credential
 * (and, for oauth2, an upstream access token fetched, cached and refreshed here).
 */
export function createVaultAccess({ clock, log, caches }: Deps) {
  const tokens = createUpstreamTokens({ clock, log });
  const { keys } = caches;

  const egressPolicy = async (orgId: string): Promise<EgressPolicy> =>
    (await caches.egress.get(orgId)) ?? { hosts: [], allow_private: [] };

  return {
    /** The integration (metadata only) the gateway URL `/v1/gateway/{name}/…` names; null when none. */
    getByName: (orgId: string, name: string): Promise<Integration | null> =>
      caches.records.get(keys.name(orgId, name)),

    /** The integration by id (metadata only); null when none. */
    getIntegration: (orgId: string, id: string): Promise<Integration | null> =>
      ID.test(id) ? caches.records.get(keys.id(orgId, id)) : Promise.resolve(null),

    /** Whether the agent holds a grant on the integration (the agent's own status is the caller's to check). */
    async isGranted(orgId: string, integrationId: string, agentId: string): Promise<boolean> {
      if (!ID.test(integrationId) || !AGENT_ID.test(agentId)) return false;
      return (await caches.grants.get(keys.grant(orgId, integrationId, agentId))) !== null;
    },

    /** The org's egress policy, for `checkEgress(policy, url, resolvedIp)` at request time. */
    egressPolicy,

    /**
     * The decrypted credential of an active integration and what to inject upstream. Throws 404
     * not_found, 403 integration_disabled, 500 credential_unreadable (tampered or under a master
     * key no longer configured), and for oauth2 502 upstream_token_failed or 403 egress_denied.
     */
    async resolveCredential(orgId: string, integrationId: string): Promise<ResolvedCredential> {
      const opened = ID.test(integrationId)
        ? await caches.credentials.get(keys.credential(orgId, integrationId))
        : null;
      if (!opened) throw errors.notFound();
      const { integration, material } = opened;
      if (integration.status !== 'active') throw errors.disabled();
      if (material.type !== 'oauth2_client_credentials') {
        return { integrationId, type: material.type, material, inject: injectionOf(material) };
      }
      // Keyed by the row's version, so a changed credential never reuses a token of the old one.
      const key = `${orgId}/${integrationId}/${integration.updated_at.getTime()}`;
      const accessToken = await tokens.get(key, material, await egressPolicy(orgId));
      return {
        integrationId,
        type: material.type,
        material,
        accessToken,
        inject: injectionOf(material, accessToken),
      };
    },

    /** Drops this node's upstream token for the integration (say, the upstream answered 401 with it). */
    forgetTokens: (orgId: string, integrationId: string) => tokens.forget(`${orgId}/${integrationId}/`),
  };
}
