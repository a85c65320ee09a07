-- Dynamic client registration (RFC 7591): off unless an org turns it on, and then open only to
-- holders of an initial access token an admin issued. Tokens are never stored: only their
-- HMAC-SHA256 under the server pepper. Tenant-owned: org_id on each row, row-level security for
-- gatehouse_app.

-- One row per org that ever changed its setting; no row means registration is off.
create table registration_settings (
  org_id text primary key references orgs (id) on delete cascade,
  enabled boolean not null default false,
  -- A registered client may ask for these scopes and no others; none asked means all of them.
  default_scopes text[] not null default '{}',
  updated_by text references users (id) on delete set null,
  updated_at timestamptz not null default now()
);

alter table registration_settings enable row level security;
create policy tenant_isolation on registration_settings
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert, update on registration_settings to gatehouse_app;

create table initial_access_tokens (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  -- Looked up by hash before the org is known, so unique across orgs.
  token_hash text not null unique,
  expires_at timestamptz not null,
  -- Null: any number of registrations until the token expires or is revoked.
  max_uses integer check (max_uses between 1 and 1000000),
  uses integer not null default 0 check (uses >= 0),
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  -- Uses are counted by a conditional update, so the count can never pass the limit.
  check (max_uses is null or uses <= max_uses)
);
-- An org's tokens in id (creation) order.
create index initial_access_tokens_org on initial_access_tokens (org_id, id);

alter table initial_access_tokens enable row level security;
create policy tenant_isolation on initial_access_tokens
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
-- Tokens are revoked, never deleted by the app: the row stays for audit.
grant select, insert, update on initial_access_tokens to gatehouse_app;
