-- The vault (docs/vault.md): integrations (third-party APIs agents reach through the gateway),
-- their credentials under envelope encryption, which agents may call which integration, and each
-- org's egress allowlist. Tenant-owned: org_id on each row, row-level security for gatehouse_app.

create table integrations (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  -- Appears in gateway URLs (/v1/gateway/{name}/...), so DNS-label shaped like agent names.
  name text not null check (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  display_name text not null check (length(display_name) between 1 and 200),
  description text not null default '' check (length(description) <= 2000),
  base_url text not null check (base_url ~ '^https?://'),
  auth_type text not null
    check (auth_type in ('api_key', 'bearer', 'basic', 'oauth2_client_credentials')),
  -- The auth method's public part only (header name, username, client_id, token_url…). The
  -- credential itself lives sealed in integration_secrets and never in this row.
  auth_meta jsonb not null default '{}' check (jsonb_typeof(auth_meta) = 'object'),
  -- The upstream's limit for the whole integration; the gateway enforces it. Null: none.
  rate_limit_rpm integer check (rate_limit_rpm between 1 and 1000000),
  status text not null default 'active' check (status in ('active', 'disabled')),
  credential_updated_at timestamptz not null default now(),
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, name)
);
create index integrations_org_id on integrations (org_id, id);

alter table integrations enable row level security;
create policy tenant_isolation on integrations
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
-- Deleting an integration is final; the audit log keeps its history.
grant select, insert, update, delete on integrations to gatehouse_app;

-- One sealed credential per integration (envelope encryption): `ciphertext` is the credential
-- under its own random data key (AES-256-GCM), `wrapped_key` that data key sealed under the
-- vault key derived from a master key, and `key_id` a fingerprint naming which one, so a
-- rotation can read rows of either key and `gatehouse vault rewrap` can find the old ones.
-- Both seals take the integration id as additional data: a value copied onto another row fails.
create table integration_secrets (
  integration_id text primary key references integrations (id) on delete cascade,
  org_id text not null references orgs (id) on delete cascade,
  ciphertext text not null,
  wrapped_key text not null,
  key_id text not null check (key_id ~ '^[0-9a-f]{16}$'),
  updated_at timestamptz not null default now()
);
-- Rewrap walks the rows of old keys only.
create index integration_secrets_key on integration_secrets (key_id, integration_id);

alter table integration_secrets enable row level security;
create policy tenant_isolation on integration_secrets
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert, update, delete on integration_secrets to gatehouse_app;

-- Which agents may call which integration through the gateway.
create table integration_grants (
  org_id text not null references orgs (id) on delete cascade,
  integration_id text not null references integrations (id) on delete cascade,
  agent_id text not null references agents (id) on delete cascade,
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (integration_id, agent_id)
);
-- GET /v1/agents/{id}/integrations.
create index integration_grants_agent on integration_grants (org_id, agent_id, integration_id);

alter table integration_grants enable row level security;
create policy tenant_isolation on integration_grants
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert, delete on integration_grants to gatehouse_app;

-- Hosts an org's integrations may reach, and the private addresses it lets them reach. No row:
-- any public host over https, nothing private.
create table egress_policies (
  org_id text primary key references orgs (id) on delete cascade,
  hosts text[] not null default '{}',
  allow_private text[] not null default '{}',
  updated_by text references users (id) on delete set null,
  updated_at timestamptz not null default now()
);

alter table egress_policies enable row level security;
create policy tenant_isolation on egress_policies
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert, update on egress_policies to gatehouse_app;
