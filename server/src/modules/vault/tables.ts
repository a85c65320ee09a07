import type { ColumnType, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export const AUTH_TYPES = ['api_key', 'bearer', 'basic', 'oauth2_client_credentials'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];
export const INTEGRATION_STATUSES = ['active', 'disabled'] as const;
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];

/**
 * The public part of an auth method, as stored in integrations.auth_meta: never a credential.
 * Which fields are set depends on the type (see auth.ts).
 */
export interface AuthMeta {
  in?: 'header' | 'query';
  name?: string;
  username?: string;
  token_url?: string;
  client_id?: string;
  scope?: string;
  audience?: string;
  client_auth?: 'basic' | 'post';
}

export interface IntegrationsTable {
  id: string;
  org_id: string;
  name: string;
  display_name: string;
  description: string;
  base_url: string;
  auth_type: AuthType;
  auth_meta: ColumnType<AuthMeta, string, string>;
  rate_limit_rpm: number | null;
  status: IntegrationStatus;
  credential_updated_at: Timestamp;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IntegrationSecretsTable {
  integration_id: string;
  org_id: string;
  ciphertext: string;
  wrapped_key: string;
  key_id: string;
  updated_at: Timestamp;
}

export interface IntegrationGrantsTable {
  org_id: string;
  integration_id: string;
  agent_id: string;
  created_by: string | null;
  created_at: Timestamp;
}

export interface EgressPoliciesTable {
  org_id: string;
  hosts: string[];
  allow_private: string[];
  updated_by: string | null;
  updated_at: Timestamp;
}

declare module '../../platform/db/tables.js' {
  interface Tables {
    integrations: IntegrationsTable;
    integration_secrets: IntegrationSecretsTable;
    integration_grants: IntegrationGrantsTable;
    egress_policies: EgressPoliciesTable;
  }
}

export type Integration = Selectable<IntegrationsTable>;
export type IntegrationSecret = Selectable<IntegrationSecretsTable>;
export type IntegrationGrant = Selectable<IntegrationGrantsTable>;
