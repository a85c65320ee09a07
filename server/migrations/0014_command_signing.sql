-- Command signing: agents sign their calls with an HMAC secret so that a stolen bearer token
-- alone cannot issue commands (docs/command-signing.md). The server must hold the secret to check
-- an HMAC, so it is sealed (AES-256-GCM under a key derived from the master key, bound to the row
-- id), never stored in clear. Tenant-owned: org_id on each row, row-level security for
-- gatehouse_app.

create table command_signing_keys (
  id text primary key check (id ~ '^csk_[0-9a-z]{26}$'),
  org_id text not null references orgs (id) on delete cascade,
  agent_id text not null references agents (id) on delete cascade,
  -- seal(key, secret, id): `v1.<iv>.<tag>.<ciphertext>`.
  secret_sealed text not null,
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  -- Set at creation when asked, or by rotation: the end of the grace of a replaced key.
  expires_at timestamptz,
  revoked_at timestamptz,
  -- Rotation makes a new key; the old one names it and works until its expires_at.
  replaced_by text references command_signing_keys (id),
  check ((replaced_by is null) or (expires_at is not null))
);
-- An agent's keys in id (creation) order.
create index command_signing_keys_agent on command_signing_keys (org_id, agent_id, id);

alter table command_signing_keys enable row level security;
create policy tenant_isolation on command_signing_keys
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
-- Keys are revoked, never deleted by the app: the row stays for audit.
grant select, insert, update on command_signing_keys to gatehouse_app;

-- One row per agent whose policy was ever set; no row means signing is optional ('never').
create table command_signing_policies (
  org_id text not null references orgs (id) on delete cascade,
  agent_id text not null references agents (id) on delete cascade,
  required text not null check (required in ('never', 'always', 'actions')),
  -- The actions that need a signature when required = 'actions'; empty otherwise.
  actions text[] not null default '{}',
  updated_by text references users (id) on delete set null,
  updated_at timestamptz not null default now(),
  primary key (org_id, agent_id),
  check ((required = 'actions') = (cardinality(actions) > 0))
);

alter table command_signing_policies enable row level security;
create policy tenant_isolation on command_signing_policies
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert, update on command_signing_policies to gatehouse_app;
