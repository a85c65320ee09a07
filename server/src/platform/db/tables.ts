import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type Role = 'admin' | 'manager' | 'member' | 'viewer';

export interface OrgsTable {
  id: string;
  name: string;
  slug: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UsersTable {
  id: string;
  email: string;
  name: Generated<string>;
  password_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  last_login_at: NullableTimestamp;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: Role;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  org_id: string;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
  revoked_at: NullableTimestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  role: Role;
  token_hash: string;
  invited_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  accepted_at: NullableTimestamp;
  accepted_by: string | null;
  revoked_at: NullableTimestamp;
}

export interface AuditEventsTable {
  org_id: string | null;
  /** bigint: pg hands it back as a string. */
  seq: ColumnType<string, number, never>;
  id: string;
  at: ColumnType<Date, string, never>;
  actor_type: 'user' | 'agent' | 'system' | 'anonymous';
  actor_id: string | null;
  actor_chain: ColumnType<Record<string, unknown> | null, string | null, never>;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: 'success' | 'failure';
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: ColumnType<Record<string, unknown>, string, never>;
  prev_hash: string;
  hash: string;
}

export interface SigningKeysTable {
  kid: string;
  org_id: string;
  alg: 'EdDSA' | 'ES256' | 'RS256';
  public_jwk: ColumnType<Record<string, unknown>, string, string>;
  private_key_sealed: string;
  created_at: Timestamp;
  activates_at: Timestamp;
  publish_until: NullableTimestamp;
}

export interface MigrationsTable {
  version: number;
  name: string;
  checksum: string;
  applied_at: Generated<Date>;
}

/** The typed shape of the database, for Kysely. One entry per table. */
export interface Tables {
  orgs: OrgsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  invitations: InvitationsTable;
  audit_events: AuditEventsTable;
  signing_keys: SigningKeysTable;
  gatehouse_migrations: MigrationsTable;
}

export type Org = Selectable<OrgsTable>;
export type User = Selectable<UsersTable>;
export type NewAuditEvent = Insertable<AuditEventsTable>;
