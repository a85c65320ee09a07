export type Role = 'admin' | 'manager' | 'member' | 'viewer';

export interface OrgRef {
  id: string;
  name: string;
  slug: string;
}

export interface Org extends OrgRef {
  created_at: string;
}

export interface Session {
  user: { id: string; email: string; name: string };
  org: OrgRef;
  role: Role;
  orgs: (OrgRef & { role: Role })[];
  session: { id: string; expires_at: string };
}

/** One of the signed-in user's live sessions (GET /v1/auth/sessions). */
export interface SessionInfo {
  id: string;
  /** The organization the session is signed in to. */
  org_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
  /** True for the session that made the request. */
  current: boolean;
}

export interface SignedIn extends Session {
  token: string;
  expires_at: string;
}

export interface Member {
  id: string;
  email: string;
  name: string;
  role: Role;
  joined_at: string;
  last_login_at: string | null;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  created_at: string;
  expires_at: string;
  invited_by: string | null;
}

/** The answer to creating an invitation: the one-time link is shown only here. */
export interface CreatedInvitation extends Invitation {
  invite_url: string;
  token: string;
}

/** What an invitation link is for, before accepting it. */
export interface InvitationPreview {
  org: OrgRef;
  email: string;
  role: Role;
  expires_at: string;
  existing_user: boolean;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
