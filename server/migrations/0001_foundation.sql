-- Foundation: organizations, people, sessions, invitations, and a first audit table.
-- Tenant-owned tables carry org_id and are guarded by row-level security for the
-- gatehouse_app role, which tenant transactions switch to (see platform/db/database.ts).

do $$
begin
  create role gatehouse_app nologin;
exception when duplicate_object then null;
end $$;

-- A non-superuser owner needs membership to SET ROLE; superusers already may.
do $$
begin
  execute format('grant gatehouse_app to %I', current_user);
exception when others then null;
end $$;

create table orgs (
  id text primary key,
  name text not null check (length(name) between 1 and 200),
  slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table users (
  id text primary key,
  email text not null unique check (email = lower(email)),
  name text not null default '',
  password_hash text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_login_at timestamptz
);

create table memberships (
  org_id text not null references orgs (id) on delete cascade,
  user_id text not null references users (id) on delete cascade,
  role text not null check (role in ('admin', 'manager', 'member', 'viewer')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, user_id)
);
create index memberships_user on memberships (user_id);

create table sessions (
  id text primary key,
  user_id text not null references users (id) on delete cascade,
  org_id text not null references orgs (id) on delete cascade,
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  last_seen_at timestamptz not null default now(),
  revoked_at timestamptz,
  ip text,
  user_agent text
);
create index sessions_user on sessions (user_id);

create table invitations (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  email text not null check (email = lower(email)),
  role text not null check (role in ('admin', 'manager', 'member', 'viewer')),
  token_hash text not null unique,
  invited_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_by text references users (id) on delete set null,
  revoked_at timestamptz
);
create index invitations_org on invitations (org_id, created_at);

create table audit_events (
  id text primary key,
  org_id text references orgs (id) on delete set null,
  at timestamptz not null default now(),
  actor_type text not null check (actor_type in ('user', 'agent', 'system', 'anonymous')),
  actor_id text,
  action text not null,
  target_type text,
  target_id text,
  outcome text not null check (outcome in ('success', 'failure')),
  ip text,
  user_agent text,
  request_id text,
  details jsonb not null default '{}'
);
create index audit_events_org_at on audit_events (org_id, at);

-- Row-level security: the second guard behind the org filter every tenant query carries.
alter table orgs enable row level security;
alter table memberships enable row level security;
alter table users enable row level security;
alter table invitations enable row level security;
alter table sessions enable row level security;
alter table audit_events enable row level security;

create policy tenant_isolation on orgs
  using (id = current_setting('app.org_id', true));
create policy tenant_isolation on memberships
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
create policy tenant_isolation on invitations
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
create policy tenant_isolation on sessions
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
create policy tenant_isolation on audit_events
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
-- A user is visible inside an org only while a member of it.
create policy org_members on users
  using (exists (
    select 1 from memberships m
    where m.user_id = users.id and m.org_id = current_setting('app.org_id', true)
  ));

grant select, update on orgs to gatehouse_app;
grant select, insert, update, delete on memberships, invitations to gatehouse_app;
grant select, update on users, sessions to gatehouse_app;
grant select, insert on audit_events to gatehouse_app;
