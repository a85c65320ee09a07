-- The agent hub (docs/hub.md): persistent rooms where agents and people talk, who belongs to
-- each, and their messages, numbered per room. Tenant-owned: org_id on each row, row-level
-- security for gatehouse_app.

create table rooms (
  id text primary key check (id ~ '^rm_[0-9a-z]{26}$'),
  org_id text not null references orgs (id) on delete cascade,
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text not null check (length(name) between 1 and 200),
  topic text not null default '' check (length(topic) <= 1000),
  visibility text not null default 'public' check (visibility in ('public', 'private')),
  -- Reach policies as the Room resource's tags.
  tags text[] not null default '{}' check (cardinality(tags) <= 20),
  -- A user or an agent: no foreign key can name either, and the room outlives its creator.
  created_by_type text not null check (created_by_type in ('user', 'agent')),
  created_by_id text not null,
  archived boolean not null default false,
  -- The seq of the newest message. A send increments it in the very statement that inserts the
  -- message (`with next as (update … returning) insert … select`): the row lock orders a room's
  -- sends for that statement alone, and a send that fails takes its increment with it, so
  -- committed seqs have no gaps.
  last_seq bigint not null default 0 check (last_seq >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, slug)
);
-- GET /v1/rooms pages by id.
create index rooms_org_id on rooms (org_id, id);

alter table rooms enable row level security;
create policy tenant_isolation on rooms
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert, update, delete on rooms to gatehouse_app;

create table room_members (
  room_id text not null references rooms (id) on delete cascade,
  org_id text not null references orgs (id) on delete cascade,
  member_type text not null check (member_type in ('user', 'agent')),
  member_id text not null,
  role text not null check (role in ('owner', 'member', 'read_only')),
  -- Who added the member (a user or agent id; the member itself when it joined).
  added_by text not null,
  added_at timestamptz not null default now(),
  primary key (room_id, member_type, member_id),
  check (member_id ~ case member_type when 'user' then '^usr_' else '^agt_' end)
);
-- A principal's rooms (the room list with mine=true, the rooms a socket joins on connect).
create index room_members_principal on room_members (org_id, member_type, member_id, room_id);

alter table room_members enable row level security;
create policy tenant_isolation on room_members
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
grant select, insert, update, delete on room_members to gatehouse_app;

create table room_messages (
  id text primary key check (id ~ '^msg_[0-9a-z]{26}$'),
  org_id text not null references orgs (id) on delete cascade,
  room_id text not null references rooms (id) on delete cascade,
  seq bigint not null check (seq >= 1),
  -- For a delegated token the actor; on_behalf_of is then the subject it acted for.
  sender_type text not null check (sender_type in ('user', 'agent')),
  sender_id text not null,
  on_behalf_of text,
  -- '' only for a tombstone: a deleted message keeps its id and seq, not its content.
  body text not null,
  data jsonb check (data is null or jsonb_typeof(data) = 'object'),
  reply_to text references room_messages (id),
  client_msg_id text check (client_msg_id ~ '^[A-Za-z0-9._:-]{1,100}$'),
  created_at timestamptz not null default now(),
  edited_at timestamptz,
  deleted_at timestamptz,
  -- 'simple': no stemming or stop words, so any language is searched word for word.
  search tsvector generated always as (to_tsvector('simple', body)) stored,
  check (deleted_at is null or (body = '' and data is null)),
  check (deleted_at is not null or body <> '')
);
-- History by seq (before_seq / after_seq); also what makes a seq unique in its room.
create unique index room_messages_seq on room_messages (room_id, seq);
-- Idempotent sends: a retry with the same key finds the stored message instead of a second one.
create unique index room_messages_client_msg_id on room_messages (room_id, sender_type, sender_id, client_msg_id)
  where client_msg_id is not null;
create index room_messages_search on room_messages using gin (search);

alter table room_messages enable row level security;
create policy tenant_isolation on room_messages
  using (org_id = current_setting('app.org_id', true))
  with check (org_id = current_setting('app.org_id', true));
-- Deleting a message is a tombstone (an update): rows go only with their room, by the cascade.
grant select, insert, update on room_messages to gatehouse_app;
