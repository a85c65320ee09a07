-- Verification runs in the org's tenant transaction as gatehouse_app, and checks every
-- checkpoint and prune record it trusts against the audit signing keys: the app role reads the
-- org's prune records and the keys' public halves (never the sealed private ones).
alter table audit_prunes enable row level security;
create policy tenant_isolation on audit_prunes
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select on audit_prunes to gatehouse_app;
grant select (kid, public_jwk, created_at) on audit_keys to gatehouse_app;
