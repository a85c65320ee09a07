-- One statement appends a batch to the audit chains: it moves each chain's head from the seq
-- the writer expects (inserting heads of new chains first), and fails with serialization_failure
-- when a head is elsewhere (another node appended meanwhile) so that the writer re-reads the
-- heads and recomputes; then it inserts the records. Rows travel as one JSON document: one
-- parameter, parsed by the server, instead of thousands of bind parameters.
create function audit_append(heads jsonb, events jsonb) returns void
language plpgsql as $$
declare
  moved integer;
begin
  insert into audit_chain_heads (chain, seq, hash)
    select h.chain, 0, repeat('0', 64) from jsonb_to_recordset(heads) as h(chain text)
    on conflict (chain) do nothing;
  update audit_chain_heads as h set seq = v.seq, hash = v.hash
    from jsonb_to_recordset(heads) as v(chain text, seq bigint, hash text, expected bigint)
    where h.chain = v.chain and h.seq = v.expected;
  get diagnostics moved = row_count;
  if moved <> jsonb_array_length(heads) then
    raise exception 'audit chain head moved' using errcode = 'serialization_failure';
  end if;
  insert into audit_events (org_id, seq, id, at, actor_type, actor_id, actor_chain, action,
      target_type, target_id, outcome, ip, user_agent, request_id, details, prev_hash, hash)
    select org_id, seq, id, at, actor_type, actor_id, actor_chain, action, target_type,
      target_id, outcome, ip, user_agent, request_id, details, prev_hash, hash
    from jsonb_to_recordset(events) as e(org_id text, seq bigint, id text, at timestamptz,
      actor_type text, actor_id text, actor_chain jsonb, action text, target_type text,
      target_id text, outcome text, ip text, user_agent text, request_id text, details jsonb,
      prev_hash text, hash text);
end $$;
