import { Migration } from '@mikro-orm/migrations'

/**
 * K2–K6: what agents do with conversations and messages. Edits and deletes of delivered messages
 * travel through the outbox like sends (one row per action); uploads are files an agent sent up
 * before attaching them to a message.
 */
export class Migration0005ConversationActions extends Migration {
  override name = '0005_conversation_actions'

  override up (): void {
    this.addSql(`alter table outbox add column action text not null default 'send' check (action in ('send', 'edit', 'delete'));`)
    this.addSql('alter table conversations add column silent boolean not null default false;')
    // G1–G3: the chatbot attached to the conversation (until hand-over or the end, per the channel's rules).
    this.addSql('alter table conversations add column bot_id text null;')
    this.addSql('alter table conversations add column pinned_by_id bigint null references users (id) on delete set null;')
    this.addSql(`create table uploads (
      id bigserial primary key,
      user_id bigint null references users (id) on delete cascade,
      storage_key text not null,
      name text not null,
      mime_type text not null,
      size integer not null,
      created_at timestamptz not null default now()
    );`)
    this.addSql('create index uploads_user_id_index on uploads (user_id);')
    // I2: manual merges of clients, recorded so that each can be undone.
    this.addSql('alter table clients add column merged_into_id bigint null references clients (id) on delete set null;')
    this.addSql(`create table client_merges (
      id bigserial primary key,
      source_client_id bigint not null references clients (id) on delete cascade,
      target_client_id bigint not null references clients (id) on delete cascade,
      identity_ids bigint[] not null,
      filled jsonb not null default '{}',
      merged_by_id bigint null references users (id) on delete set null,
      merged_at timestamptz not null default now(),
      undone_by_id bigint null references users (id) on delete set null,
      undone_at timestamptz null
    );`)
    this.addSql('create index client_merges_source_index on client_merges (source_client_id);')
    this.addSql('create index client_merges_target_index on client_merges (target_client_id);')
    // The conversation list pages newest activity first (keyset on updated_at, id).
    this.addSql('create index conversations_updated_at_id_index on conversations (updated_at desc, id desc);')
    // K1: open conversations waiting for an answer, found without scanning closed ones.
    // An identity (one person on one connection) has one open conversation, whichever open channel
    // it was transferred to (K3); ingest finds it by identity.
    this.addSql('create unique index conversations_one_open_per_client_identity on conversations (client_identity_id) where status <> \'closed\';')
    this.addSql('drop index conversations_one_open_per_identity;')
    this.addSql(`create or replace function ol_ingest(p jsonb) returns jsonb language plpgsql as $fn$
declare
  v_conn_id bigint;
  v_open_channel_id bigint;
  v_status text;
  v_active boolean;
  v_bot text;
  v_bot_when text;
  v_starts_with_bot boolean := false;
  v_dup_id bigint;
  v_identity_id bigint;
  v_client_id bigint;
  v_identity_new boolean := false;
  v_conv_id bigint;
  v_opened boolean := false;
  v_first_contact boolean := false;
  v_msg_id bigint;
  v_created timestamptz;
  v_quote_id bigint;
  v_sent timestamptz := coalesce((p->>'sentAt')::timestamptz, now());
  v_ext text := p->>'externalMessageId';
  v_user text := p->>'externalUserId';
  v_event_id bigint;
  v_events jsonb := '[]'::jsonb;
begin
  -- The common case in one statement: the connection, a stored copy of this message (a retry),
  -- the sender's identity and its open conversation.
  -- The open conversation may have been transferred to another open channel: it is found by identity.
  select c.id, coalesce(cv.open_channel_id, c.open_channel_id), c.status, oc.active, oc.chatbot, coalesce(oc.settings->'chatbotRules'->>'when', 'everyConversation'),
         (select m.id from messages m where m.connection_id = c.id and m.external_id = v_ext),
         i.id, i.client_id, cv.id
    into v_conn_id, v_open_channel_id, v_status, v_active, v_bot, v_bot_when, v_dup_id, v_identity_id, v_client_id, v_conv_id
    from channel_connections c
    join open_channels oc on oc.id = c.open_channel_id
    left join client_identities i on i.connection_id = c.id and i.external_user_id = v_user
    left join conversations cv on cv.client_identity_id = i.id and cv.status <> 'closed'
   where c.connector = p->>'connector' and c.external_account_id = p->>'externalAccountId';
  if not found then
    return jsonb_build_object('error', 'unknown_connection');
  end if;
  if v_status <> 'connected' then
    return jsonb_build_object('error', 'connection_inactive');
  end if;

  -- Retries of a stored message end here, before anything is written.
  if v_dup_id is not null then
    select m.conversation_id, cv.client_id into v_conv_id, v_client_id
      from messages m join conversations cv on cv.id = m.conversation_id where m.id = v_dup_id;
    return jsonb_build_object('duplicate', true, 'messageId', v_dup_id::text, 'conversationId', v_conv_id::text, 'clientId', v_client_id::text);
  end if;

  if v_identity_id is null then
    insert into clients (name, email, phone, locale, avatar_url)
    values (coalesce(p->'client'->>'name', p->'client'->>'username'), p->'client'->>'email', p->'client'->>'phone', p->'client'->>'locale', p->'client'->>'avatarUrl')
    returning id into v_client_id;
    insert into client_identities (client_id, connection_id, external_user_id, external_chat_id, profile)
    values (v_client_id, v_conn_id, v_user, p->>'externalChatId', coalesce(p->'client', '{}'::jsonb))
    on conflict (connection_id, external_user_id) do nothing
    returning id into v_identity_id;
    if v_identity_id is null then
      -- A concurrent first message created the identity: use it (and its open conversation), drop our client row.
      delete from clients where id = v_client_id;
      select i.id, i.client_id, cv.id, coalesce(cv.open_channel_id, v_open_channel_id)
        into v_identity_id, v_client_id, v_conv_id, v_open_channel_id
        from client_identities i left join conversations cv on cv.client_identity_id = i.id and cv.status <> 'closed'
       where i.connection_id = v_conn_id and i.external_user_id = v_user;
    else
      v_identity_new := true;
    end if;
  end if;

  if v_conv_id is null then
    -- G1: the open channel's chatbot takes every new conversation, or the client's very first one.
    v_starts_with_bot := v_bot is not null and (v_bot_when = 'everyConversation' or v_identity_new
      or not exists (select 1 from conversations where client_identity_id = v_identity_id));
    insert into conversations (open_channel_id, connection_id, client_id, client_identity_id, status, queued_at, bot_id, created_at, updated_at)
    values (v_open_channel_id, v_conn_id, v_client_id, v_identity_id, case when v_starts_with_bot then 'bot' else 'queued' end,
            case when v_starts_with_bot then null else now() end, case when v_starts_with_bot then v_bot end, now(), now())
    on conflict (client_identity_id) where status <> 'closed' do nothing
    returning id into v_conv_id;
    if v_conv_id is null then
      select id, open_channel_id into v_conv_id, v_open_channel_id from conversations
       where client_identity_id = v_identity_id and status <> 'closed';
    else
      v_opened := true;
      v_first_contact := v_identity_new or not exists (select 1 from conversations where client_identity_id = v_identity_id and id <> v_conv_id);
    end if;
  end if;

  if p->>'quoteExternalId' is not null then
    select q.id into v_quote_id from messages q where q.connection_id = v_conn_id and q.external_id = p->>'quoteExternalId';
  end if;

  -- The message and the conversation's counters in one statement; nothing is counted if a racing
  -- copy of the same message committed first.
  with m as (
    insert into messages (conversation_id, connection_id, external_id, author_kind, visibility, body, attachments, meta, sent_at, quote_message_id)
    values (v_conv_id, v_conn_id, v_ext, 'client', 'public', coalesce(p->>'text', ''), coalesce(p->'attachments', '[]'::jsonb), coalesce(p->'meta', '{}'::jsonb), v_sent, v_quote_id)
    on conflict (connection_id, external_id) do nothing
    returning id, created_at
  ), counted as (
    update conversations
       set message_count = message_count + 1,
           last_client_message_at = greatest(coalesce(last_client_message_at, v_sent), v_sent),
           updated_at = now()
     where id = v_conv_id and exists (select 1 from m)
  )
  select m.id, m.created_at into v_msg_id, v_created from m;
  if v_msg_id is null then
    -- The same message raced in on another connection and committed first.
    select m.id, m.conversation_id into v_msg_id, v_conv_id from messages m where m.connection_id = v_conn_id and m.external_id = v_ext;
    return jsonb_build_object('duplicate', true, 'messageId', v_msg_id::text, 'conversationId', v_conv_id::text, 'clientId', v_client_id::text);
  end if;

  if v_opened and coalesce(p->'subscribed', '[]'::jsonb) @> '["conversation.opened"]' then
    insert into events (name, payload) values ('conversation.opened', jsonb_build_object(
      'conversationId', v_conv_id::text, 'openChannelId', v_open_channel_id::text, 'clientId', v_client_id::text, 'firstContact', v_first_contact))
    returning id into v_event_id;
    v_events := v_events || jsonb_build_array(jsonb_build_object('id', v_event_id::text, 'name', 'conversation.opened'));
  end if;
  if coalesce(p->'subscribed', '[]'::jsonb) @> '["message.received"]' then
    insert into events (name, payload) values ('message.received', jsonb_build_object(
      'messageId', v_msg_id::text, 'conversationId', v_conv_id::text, 'openChannelId', v_open_channel_id::text, 'clientId', v_client_id::text,
      'connectionId', v_conn_id::text, 'conversationOpened', v_opened, 'openChannelActive', v_active))
    returning id into v_event_id;
    v_events := v_events || jsonb_build_array(jsonb_build_object('id', v_event_id::text, 'name', 'message.received'));
  end if;

  return jsonb_build_object(
    'duplicate', false, 'messageId', v_msg_id::text, 'conversationId', v_conv_id::text, 'clientId', v_client_id::text,
    'identityId', v_identity_id::text, 'identityNew', v_identity_new, 'openChannelId', v_open_channel_id::text,
    'connectionId', v_conn_id::text, 'openChannelActive', v_active, 'conversationOpened', v_opened,
    'firstContact', v_first_contact, 'createdAt', v_created, 'sentAt', v_sent, 'events', v_events);
end
$fn$;`)
    this.addSql(`create index conversations_unanswered_index on conversations (last_client_message_at)
      where status in ('queued', 'assigned') and last_client_message_at is not null;`)
  }

  override down (): void {
    // ol_ingest of 0005 stays (0002's cannot be restored here without its text); the old index comes back.
    this.addSql('create unique index if not exists conversations_one_open_per_identity on conversations (open_channel_id, client_identity_id) where status <> \'closed\';')
    this.addSql('drop index if exists conversations_one_open_per_client_identity;')
    this.addSql('drop index if exists conversations_unanswered_index;')
    this.addSql('drop index if exists conversations_updated_at_id_index;')
    this.addSql('drop table if exists uploads;')
    this.addSql('drop table if exists client_merges;')
    this.addSql('alter table clients drop column if exists merged_into_id;')
    this.addSql('alter table conversations drop column if exists pinned_by_id;')
    this.addSql('alter table conversations drop column if exists silent;')
    this.addSql('alter table conversations drop column if exists bot_id;')
    this.addSql('alter table outbox drop column if exists action;')
  }
}
