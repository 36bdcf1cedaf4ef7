import type { PluginMigration } from '@openline/sdk'

/**
 * The plugin's tables, prefixed `team_`. Names must never change once released; append new
 * migrations at the end.
 */
export const migrations: PluginMigration[] = [
  {
    name: '0001_team',
    up: [
      // A conversation message as it read when someone quoted it. Its own row so that erasing the
      // conversation erases every copy of its text; chat messages and posts keep only a link here.
      `create table team_quotes (
        id bigserial primary key,
        conversation_id bigint not null references conversations(id) on delete cascade,
        message_id bigint not null references messages(id) on delete cascade,
        author_kind text not null,
        body text not null,
        written_at timestamptz not null
      )`,
      `create table team_chats (
        id bigserial primary key,
        title text not null,
        created_by_id bigint references users(id) on delete set null,
        source_conversation_id bigint references conversations(id) on delete set null,
        source_message_id bigint references messages(id) on delete set null,
        created_at timestamptz not null default now(),
        -- Whole milliseconds: the list's keyset cursor carries a JavaScript Date.
        last_message_at timestamptz not null default date_trunc('milliseconds', now())
      )`,
      // A member who left keeps the row (left_at set) so that adding them back restores their read mark.
      `create table team_chat_members (
        chat_id bigint not null references team_chats(id) on delete cascade,
        user_id bigint not null references users(id) on delete cascade,
        joined_at timestamptz not null default now(),
        left_at timestamptz,
        last_read_message_id bigint not null default 0,
        primary key (chat_id, user_id)
      )`,
      'create index team_chat_members_user_index on team_chat_members (user_id, chat_id) where left_at is null',
      `create table team_chat_messages (
        id bigserial primary key,
        chat_id bigint not null references team_chats(id) on delete cascade,
        author_id bigint references users(id) on delete set null,
        body text not null,
        quote_id bigint references team_quotes(id) on delete set null,
        created_at timestamptz not null default now(),
        edited_at timestamptz
      )`,
      'create index team_chat_messages_chat_index on team_chat_messages (chat_id, id)',
      `create table team_feed_posts (
        id bigserial primary key,
        author_id bigint not null references users(id) on delete cascade,
        body text not null,
        quote_id bigint references team_quotes(id) on delete set null,
        created_at timestamptz not null default now()
      )`,
      `create table team_feed_comments (
        id bigserial primary key,
        post_id bigint not null references team_feed_posts(id) on delete cascade,
        author_id bigint not null references users(id) on delete cascade,
        body text not null,
        created_at timestamptz not null default now()
      )`,
      'create index team_feed_comments_post_index on team_feed_comments (post_id, id)'
    ],
    down: [
      'drop table team_feed_comments',
      'drop table team_feed_posts',
      'drop table team_chat_messages',
      'drop table team_chat_members',
      'drop table team_chats',
      'drop table team_quotes'
    ]
  }
]
