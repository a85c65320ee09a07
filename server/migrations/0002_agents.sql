-- Agents: the registry of agent identities and their immutable definition versions.
-- Tenant-owned like every other table: org_id on each row, row-level security for gatehouse_app.

create table agents (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  -- DNS-label shaped, so a name can later appear in hostnames and did:web paths unchanged.
  name text not null check (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  display_name text not null check (length(display_name) between 1 and 200),
  description text not null default '' check (length(description) <= 2000),
  owner_user_id text not null references users (id),
  status text not null default 'active' check (status in ('active', 'suspended', 'archived')),
  allowed_scopes text[] not null default '{}',
  token_ttl_seconds integer not null default 900 check (token_ttl_seconds between 60 and 86400),
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  current_version_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- A name is unique among the org's agents that are not archived: archiving frees it for reuse.
create unique index agents_org_name on agents (org_id, name) where status <> 'archived';
-- The list filters: by status, by owner, by name prefix; each in id (creation) order.
create index agents_org_id on agents (org_id, id);
create index agents_org_status on agents (org_id, status, id);
create index agents_org_owner on agents (org_id, owner_user_id, id);
create index agents_org_name_prefix on agents (org_id, name text_pattern_ops);

create table agent_versions (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  agent_id text not null references agents (id) on delete cascade,
  version integer not null check (version >= 1),
  instructions text not null,
  model text not null,
  tools text[] not null default '{}',
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (agent_id, version),
  -- Target of the agents.current_version_id reference below.
  unique (id, agent_id)
);

-- The current version must be a version of this same agent.
alter table agents
  add constraint agents_current_version foreign key (current_version_id, id)
  references agent_versions (id, agent_id);

alter table agents enable row level security;
alter table agent_versions enable row level security;
create policy tenant_isolation on agents
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
create policy tenant_isolation on agent_versions
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));

-- Agents are archived, never deleted by the app. Versions are immutable: no update, no delete.
grant select, insert, update on agents to gatehouse_app;
grant select, insert on agent_versions to gatehouse_app;
