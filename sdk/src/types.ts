export type Role = 'admin' | 'manager' | 'member' | 'viewer';

export interface OrgRef {
  id: string;
  name: string;
  slug: string;
}

export interface Session {
  user: { id: string; email: string; name: string };
  org: OrgRef;
  role: Role;
  orgs: (OrgRef & { role: Role })[];
  session: { id: string; expires_at: string };
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

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
