// The registration API's shapes (server/src/modules/registration/schema.ts).
export interface RegistrationSettings {
  enabled: boolean;
  default_scopes: string[];
  /** Null until an admin first changes the setting. */
  updated_at: string | null;
}
export type RegistrationSettingsInput = Pick<RegistrationSettings, 'enabled' | 'default_scopes'>;

export type AccessTokenStatus = 'active' | 'expired' | 'used_up' | 'revoked';
/** An initial access token as listed: its limits and state, never the token. */
export interface AccessToken {
  id: string;
  status: AccessTokenStatus;
  expires_at: string;
  max_uses: number | null;
  uses: number;
  created_by: string | null;
  created_at: string;
  revoked_at: string | null;
}
/** The answer to create: the only place the token ever appears. */
export interface CreatedAccessToken extends AccessToken {
  token: string;
}
export interface CreateAccessTokenInput {
  expires_at?: string;
  max_uses?: number;
}
