-- Authorization (docs/authorization.md): capabilities granted to agents as skills, the agent
-- attributes policies read (tags, trust score), and each org's Cedar policy set, versioned.
-- Tenant-owned: org_id on each row, row-level security for gatehouse_app.

-- A capability granted to an agent; live until expires_at (null: until revoked).
create table agent_skills (
  org_id text not null references orgs (id) on delete cascade,
  agent_id text not null references agents (id) on delete cascade,
  capability text not null,
  note text not null default '',
  granted_by text,
  granted_at timestamptz not null default now(),
  expires_at timestamptz,
  primary key (org_id, agent_id, capability)
);
create index agent_skills_capability on agent_skills (org_id, capability);

alter table agent_skills enable row level security;
create policy tenant_isolation on agent_skills
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert, update, delete on agent_skills to gatehouse_app;

-- What policies know of an agent beyond its skills.
create table agent_attributes (
  org_id text not null references orgs (id) on delete cascade,
  agent_id text not null references agents (id) on delete cascade,
  tags text[] not null default '{}',
  -- 0..100; the best agent for a capability is the most trusted active one holding it.
  trust_score integer not null default 50 check (trust_score between 0 and 100),
  updated_at timestamptz not null default now(),
  primary key (org_id, agent_id)
);

alter table agent_attributes enable row level security;
create policy tenant_isolation on agent_attributes
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert, update on agent_attributes to gatehouse_app;

-- Every saved version of an org's policy set; the highest version is in force. Versions are
-- never changed or deleted by the app, so any past decision can be explained.
create table authz_policy_versions (
  org_id text not null references orgs (id) on delete cascade,
  version integer not null check (version > 0),
  text text not null,
  note text not null default '',
  created_by text,
  created_at timestamptz not null default now(),
  primary key (org_id, version)
);

alter table authz_policy_versions enable row level security;
create policy tenant_isolation on authz_policy_versions
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert on authz_policy_versions to gatehouse_app;
