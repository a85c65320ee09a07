-- Agent credentials: client secrets (client_secret_basic/_post), API keys (gh_<prefix>_<secret>)
-- and registered public keys (private_key_jwt). Secrets are never stored: only their HMAC-SHA256
-- under the server pepper. Tenant-owned: org_id on each row, row-level security for gatehouse_app.

create table credentials (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  agent_id text not null references agents (id) on delete cascade,
  type text not null check (type in ('client_secret', 'api_key', 'private_key_jwt')),
  -- The OAuth client id: one per credential, kept across rotation. API keys have none.
  client_id text unique check (client_id ~ '^ghc_[0-9a-z]{26}$'),
  -- An API key's public prefix: finds the key in one indexed lookup.
  key_prefix text unique check (key_prefix ~ '^[0-9a-z]{12}$'),
  secret_hash text,
  -- Rotation keeps the previous secret working until previous_valid_until (the grace).
  previous_secret_hash text,
  previous_valid_until timestamptz,
  jwks jsonb check (jsonb_typeof(jwks -> 'keys') = 'array'),
  jwks_uri text,
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz,
  -- Each type has exactly its own identifier and material.
  check (
    (type = 'client_secret' and client_id is not null and key_prefix is null
      and secret_hash is not null and jwks is null and jwks_uri is null)
    or (type = 'api_key' and client_id is null and key_prefix is not null
      and secret_hash is not null and jwks is null and jwks_uri is null)
    or (type = 'private_key_jwt' and client_id is not null and key_prefix is null
      and secret_hash is null and previous_secret_hash is null and (jwks is null) <> (jwks_uri is null))
  ),
  check ((previous_secret_hash is null) = (previous_valid_until is null))
);
-- An agent's credentials in id (creation) order.
create index credentials_agent on credentials (org_id, agent_id, id);

alter table credentials enable row level security;
create policy tenant_isolation on credentials
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));

-- Credentials are revoked, never deleted by the app: the row stays for audit.
grant select, insert, update on credentials to gatehouse_app;
