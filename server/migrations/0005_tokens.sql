-- Token lifecycle: revoked access tokens (RFC 7009), delegation grants for token exchange
-- (RFC 8693) and the resource servers tokens may be issued for (RFC 8707). Tenant-owned:
-- org_id on each row, row-level security for gatehouse_app.

-- A revoked token's jti until the token would have expired anyway; the ephemeral store caches
-- these and is warmed from here after a restart or a flush.
create table revoked_tokens (
  jti text primary key,
  org_id text not null references orgs (id) on delete cascade,
  expires_at timestamptz not null,
  revoked_at timestamptz not null default now(),
  -- Who revoked it: a client id, a user id or a system actor.
  revoked_by text
);
create index revoked_tokens_live on revoked_tokens (expires_at);

alter table revoked_tokens enable row level security;
create policy tenant_isolation on revoked_tokens
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert on revoked_tokens to gatehouse_app;

-- Which actor agent may act for which subject (an agent or a user) through token exchange.
create table delegations (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  actor_agent_id text not null references agents (id) on delete cascade,
  subject_type text not null check (subject_type in ('agent', 'user')),
  subject_id text not null,
  -- At most these scopes pass through the grant; null: no limit beyond the subject's and actor's.
  scopes text[],
  -- How many actors the resulting act chain may hold, this actor included.
  max_depth integer not null default 1 check (max_depth between 1 and 5),
  expires_at timestamptz,
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  check (subject_type <> 'agent' or subject_id <> actor_agent_id)
);
create index delegations_actor on delegations (org_id, actor_agent_id, subject_id);

alter table delegations enable row level security;
create policy tenant_isolation on delegations
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
-- Grants are revoked, never deleted by the app: the row stays for audit.
grant select, insert, update on delegations to gatehouse_app;

-- Resource servers (RFC 8707): a token's aud is one of these URIs, or the issuer.
create table resources (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  uri text not null,
  name text not null,
  description text not null default '',
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (org_id, uri)
);

alter table resources enable row level security;
create policy tenant_isolation on resources
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert, update, delete on resources to gatehouse_app;
