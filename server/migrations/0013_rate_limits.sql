-- Rate limits: the requests per minute an org allows each of its agents by default, and
-- per-agent overrides. Only the settings live here; the counters are in the ephemeral store
-- (memory or Redis). Tenant-owned: org_id on each row, row-level security for gatehouse_app.

-- One row per org that ever set its default; no row (or a null) means the server's
-- GATEHOUSE_RATE_LIMIT_AGENT_RPM.
create table org_rate_limits (
  org_id text primary key references orgs (id) on delete cascade,
  agent_rpm integer check (agent_rpm between 1 and 1000000),
  updated_by text references users (id) on delete set null,
  updated_at timestamptz not null default now()
);

alter table org_rate_limits enable row level security;
create policy tenant_isolation on org_rate_limits
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert, update on org_rate_limits to gatehouse_app;

-- One row per agent with its own limit; removing the row returns the agent to the org default.
create table agent_rate_limits (
  agent_id text primary key references agents (id) on delete cascade,
  org_id text not null references orgs (id) on delete cascade,
  rpm integer not null check (rpm between 1 and 1000000),
  updated_by text references users (id) on delete set null,
  updated_at timestamptz not null default now()
);
create index agent_rate_limits_org on agent_rate_limits (org_id, agent_id);

alter table agent_rate_limits enable row level security;
create policy tenant_isolation on agent_rate_limits
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert, update, delete on agent_rate_limits to gatehouse_app;
