import type { PluginMigration } from '@openline/sdk'

export const migrations: PluginMigration[] = [{
  name: '0001_webchat',
  up: [
    // A visitor is one browser: the token it holds is stored only as its SHA-256.
    `create table channel_webchat_visitors (
      id bigserial primary key,
      connection_id bigint not null references channel_connections(id) on delete cascade,
      token_hash bytea not null unique,
      external_user_id text generated always as ('v' || id::text) stored,
      name text,
      email text,
      locale text,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now()
    )`,
    // The visitor's transcript: exactly what reached them (client messages and deliveries), never internal notes.
    `create table channel_webchat_messages (
      id bigserial primary key,
      visitor_id bigint not null references channel_webchat_visitors(id) on delete cascade,
      conversation_id bigint not null references conversations(id) on delete cascade,
      message_id bigint not null unique references messages(id) on delete cascade,
      from_visitor boolean not null,
      client_message_id text,
      body text not null default '',
      attachments jsonb not null default '[]',
      buttons jsonb not null default '[]',
      sender_name text,
      sender_avatar_url text,
      created_at timestamptz not null default now(),
      edited_at timestamptz,
      deleted_at timestamptz
    )`,
    'create index channel_webchat_messages_visitor on channel_webchat_messages (visitor_id, id)',
    `create table channel_webchat_uploads (
      id bigserial primary key,
      visitor_id bigint not null references channel_webchat_visitors(id) on delete cascade,
      storage_key text not null,
      name text not null,
      mime text not null,
      size bigint not null,
      created_at timestamptz not null default now()
    )`,
    'create index channel_webchat_uploads_visitor on channel_webchat_uploads (visitor_id)'
  ],
  down: ['drop table channel_webchat_uploads', 'drop table channel_webchat_messages', 'drop table channel_webchat_visitors']
}, {
  name: '0002_webchat_crm_form_token',
  // A CRM form sent in the message (`meta.crm.formToken`): the widget draws it in place of the link.
  up: ['alter table channel_webchat_messages add column crm_form_token text'],
  down: ['alter table channel_webchat_messages drop column crm_form_token']
}]
