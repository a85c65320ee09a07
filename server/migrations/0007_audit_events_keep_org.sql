-- Audit records outlive what they name: an org's deletion must not rewrite its history (the
-- foreign key set org_id to null), and the append-only log of the audit issue allows no updates.
-- The key also cost a lookup in orgs per appended row on the token path (bench/RESULTS.md).
alter table audit_events drop constraint audit_events_org_id_fkey;
