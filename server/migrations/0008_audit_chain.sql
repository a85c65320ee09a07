-- Tamper-evident audit log: every org's records form a hash chain (seq gapless per org,
-- hash = SHA-256(prev_hash || RFC 8785 canonical JSON of the record)), written append-only,
-- in monthly partitions, with signed checkpoints of chain heads. docs/audit.md explains it.

-- The earlier, unchained table: the server chains its rows into the new one at its next start
-- (oldest first) and then drops it. Its primary key's index is renamed out of the new one's way.
alter table audit_events rename to audit_events_v0;
alter index audit_events_pkey rename to audit_events_v0_pkey;
alter index audit_events_org_at rename to audit_events_v0_org_at;

create table audit_events (
  -- null: the installation's own chain, for events before any org is known (a refused login).
  org_id text,
  seq bigint not null,
  id text not null,
  at timestamptz not null,
  actor_type text not null check (actor_type in ('user', 'agent', 'system', 'anonymous')),
  actor_id text,
  -- When the actor acted for someone: {"sub": subject, "act": {...}} as in RFC 8693's act claim.
  actor_chain jsonb,
  action text not null,
  target_type text,
  target_id text,
  outcome text not null check (outcome in ('success', 'failure')),
  ip text,
  user_agent text,
  request_id text,
  details jsonb not null default '{}',
  prev_hash text not null,
  hash text not null,
  primary key (id, at)
) partition by range (at);
-- (org, seq) cannot be unique across partitions; verification reports a duplicate as inserted.
create index audit_events_org_seq on audit_events (org_id, seq);
create index audit_events_org_at on audit_events (org_id, at);
create index audit_events_org_actor on audit_events (org_id, actor_id, at);
create index audit_events_org_action on audit_events (org_id, action, at);
create index audit_events_org_target on audit_events (org_id, target_id, at);

-- A catch-all, so that a record is never refused for want of its month's partition; the
-- monthly ones are created ahead (audit_ensure_partitions), so this one normally stays empty.
create table audit_events_default partition of audit_events default;

-- Creates the monthly partitions (UTC months) from the month holding `since` up to
-- `months_ahead` months after the current one.
create function audit_ensure_partitions(since timestamptz, months_ahead integer) returns void
language plpgsql as $$
declare
  m timestamp := date_trunc('month', since at time zone 'utc');
  last timestamp := date_trunc('month', now() at time zone 'utc') + make_interval(months => months_ahead);
  name text;
begin
  -- Nodes may run this at once: one at a time, so no two create the same partition.
  perform pg_advisory_xact_lock(hashtext('gatehouse.audit.partitions'));
  while m <= last loop
    name := 'audit_events_' || to_char(m, 'YYYY_MM');
    if to_regclass(name) is null then
      execute format(
        'create table %I partition of audit_events for values from (%L) to (%L)',
        name, (m at time zone 'utc'), ((m + interval '1 month') at time zone 'utc'));
    end if;
    m := m + interval '1 month';
  end loop;
end $$;
select audit_ensure_partitions(now(), 2);

-- Append-only: no role the application uses may change or remove a record. Retention detaches
-- and drops whole partitions as the owner (gatehouse audit prune), after recording what it cut.
create function audit_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit records are append-only: % on % refused', tg_op, tg_table_name
    using errcode = 'insufficient_privilege';
end $$;
create trigger audit_events_append_only before update or delete on audit_events
  for each row execute function audit_append_only();
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_append_only();

alter table audit_events enable row level security;
create policy tenant_isolation on audit_events
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert on audit_events to gatehouse_app;

-- Each chain's last record: writers lock the row (select ... for update), so appends to one
-- chain are serialized across nodes and seq stays gapless; verification never trusts it.
create table audit_chain_heads (
  -- The org id, or '' for the installation's chain.
  chain text primary key,
  seq bigint not null,
  hash text not null
);
alter table audit_chain_heads enable row level security;
create policy tenant_isolation on audit_chain_heads
  using (chain = current_setting('app.org_id', true))
  with check (chain = current_setting('app.org_id', true));
grant select, insert, update on audit_chain_heads to gatehouse_app;

-- Ed25519 keys that sign checkpoints and prune records; their public halves are published.
create table audit_keys (
  kid text primary key,
  public_jwk jsonb not null,
  private_key_sealed text not null,
  created_at timestamptz not null default now()
);

-- Signed statements "org O's chain had hash H at seq S at time T".
create table audit_checkpoints (
  id text primary key,
  org_id text,
  seq bigint not null,
  hash text not null,
  at timestamptz not null,
  kid text not null references audit_keys (kid),
  signature text not null,
  created_at timestamptz not null default now()
);
create unique index audit_checkpoints_chain_seq on audit_checkpoints ((coalesce(org_id, '')), seq);
create trigger audit_checkpoints_append_only before update or delete on audit_checkpoints
  for each row execute function audit_append_only();
alter table audit_checkpoints enable row level security;
create policy tenant_isolation on audit_checkpoints
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select on audit_checkpoints to gatehouse_app;

-- What retention removed from each chain, signed before the partitions went: verification
-- resumes after to_seq from last_hash.
create table audit_prunes (
  id text primary key,
  org_id text,
  partition_name text not null,
  from_seq bigint not null,
  to_seq bigint not null,
  count bigint not null,
  last_hash text not null,
  at timestamptz not null,
  kid text not null references audit_keys (kid),
  signature text not null
);
create index audit_prunes_chain on audit_prunes ((coalesce(org_id, '')), to_seq);
create trigger audit_prunes_append_only before update or delete on audit_prunes
  for each row execute function audit_append_only();

-- How far each SIEM sink has read each chain.
create table audit_sink_cursors (
  sink text not null,
  chain text not null,
  seq bigint not null,
  primary key (sink, chain)
);
