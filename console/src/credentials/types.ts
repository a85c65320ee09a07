// The credentials API's shapes (server/src/modules/credentials/schema.ts).
export type CredentialType = 'client_secret' | 'api_key' | 'private_key_jwt';
export type CredentialStatus = 'active' | 'rotating' | 'expired' | 'revoked';
/** A credential as listed: identifiers and state, never a secret. */
export interface Credential {
  id: string;
  agent_id: string;
  type: CredentialType;
  client_id: string | null;
  key_prefix: string | null;
  jwks_uri: string | null;
  status: CredentialStatus;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  /** While rotating: until when the previous secret still works. */
  previous_valid_until: string | null;
}
/** The answer to create and rotate, the only one that carries the secret. */
export interface IssuedCredential {
  id: string;
  type: CredentialType;
  client_id?: string;
  key_prefix?: string;
  client_secret?: string;
  api_key?: string;
  expires_at: string | null;
  created_at: string;
  /** Rotation only. */
  previous_valid_until?: string;
}
export type CreateCredentialInput = { expires_at?: string } & (
  | { type: 'client_secret' | 'api_key' }
  | { type: 'private_key_jwt'; jwks: { keys: Record<string, unknown>[] } }
  | { type: 'private_key_jwt'; jwks_uri: string }
);
