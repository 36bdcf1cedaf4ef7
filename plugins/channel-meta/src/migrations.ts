import type { PluginMigration } from '@openline/sdk'

export const migrations: PluginMigration[] = [
  {
    // Meta allows one private reply per comment: which message took it (a retry of that message may resend).
    name: '0001_private_replies',
    up: [
      `create table channel_meta_private_replies (
        connection_id bigint not null,
        comment_id varchar(255) not null,
        message_id bigint not null,
        created_at timestamptz not null default now(),
        primary key (connection_id, comment_id)
      )`
    ],
    down: ['drop table channel_meta_private_replies']
  }
]
