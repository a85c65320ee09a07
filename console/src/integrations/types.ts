// The vault API's shapes (server/src/modules/vault/schema.ts and auth.ts). The credential is write-only: it
// goes out in a create or a change, and no answer ever carries it back.

export type AuthType = 'api_key' | 'bearer' | 'basic' | 'oauth2_client_credentials';
export type IntegrationStatus = 'active' | 'disabled';

/** What the API says of an integration's auth: the method's metadata and that a credential is set. */
export interface IntegrationAuth {
  type: AuthType;
  in?: 'header' | 'query';
  name?: string;
  username?: string;
  token_url?: string;
  client_id?: string;
  scope?: string;
  audience?: string;
  client_auth?: 'basic' | 'post';
  credential_set: boolean;
  credential_updated_at: string;
}

export interface Integration {
  id: string;
  name: string;
  display_name: string;
  description: string;
  base_url: string;
  auth: IntegrationAuth;
  rate_limit_rpm: number | null;
  status: IntegrationStatus;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** `auth` as sent: the method's fields, with its credential (optional on a change: left out, it is kept). */
export type AuthInput =
  | { type: 'api_key'; in: 'header' | 'query'; name: string; value?: string }
  | { type: 'bearer'; token?: string }
  | { type: 'basic'; username: string; password?: string }
  | {
      type: 'oauth2_client_credentials';
      token_url: string;
      client_id: string;
      client_secret?: string;
      scope?: string;
      audience?: string;
      client_auth?: 'basic' | 'post';
    };

export interface IntegrationInput {
  name: string;
  display_name?: string;
  description?: string;
  base_url: string;
  auth: AuthInput;
  rate_limit_rpm?: number | null;
  status?: IntegrationStatus;
}

export type IntegrationPatch = Partial<IntegrationInput>;

export interface IntegrationGrant {
  integration_id: string;
  agent_id: string;
  created_by: string | null;
  created_at: string;
}

export interface Egress {
  /** Exact hosts or `*.example.com`; empty: any public host over https. */
  hosts: string[];
  /** IPs or CIDRs of private, loopback or link-local addresses integrations may reach anyway. */
  allow_private: string[];
  updated_by: string | null;
  updated_at: string | null;
}

export type EgressInput = Pick<Egress, 'hosts' | 'allow_private'>;
