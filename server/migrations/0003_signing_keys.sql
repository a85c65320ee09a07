-- Token signing keys, one set per org. Private keys are sealed (AES-256-GCM) under a key
-- derived from the master key. A key is published in the JWKS from creation, signs from
-- activates_at (the newest activated key signs), and stays published until publish_until.

create table signing_keys (
  kid text primary key,
  org_id text not null references orgs (id) on delete cascade,
  alg text not null check (alg in ('EdDSA', 'ES256', 'RS256')),
  public_jwk jsonb not null,
  private_key_sealed text not null,
  created_at timestamptz not null default now(),
  activates_at timestamptz not null,
  publish_until timestamptz
);
create index signing_keys_org on signing_keys (org_id, activates_at desc);

alter table signing_keys enable row level security;
create policy tenant_isolation on signing_keys
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert, update on signing_keys to gatehouse_app;
