// The delegation grants API's shapes (/v1/delegations).
export type DelegationStatus = 'active' | 'expired' | 'revoked';
export interface Delegation {
  id: string;
  actor_agent_id: string;
  subject: { type: 'agent' | 'user'; id: string };
  /** null: whatever the subject has. */
  scopes: string[] | null;
  max_depth: number;
  expires_at: string | null;
  created_by: string | null;
  created_at: string;
  revoked_at: string | null;
  status: DelegationStatus;
}
export type CreateDelegationInput = Pick<
  Delegation,
  'actor_agent_id' | 'subject' | 'scopes' | 'max_depth'
> & {
  expires_at: string | null;
};
