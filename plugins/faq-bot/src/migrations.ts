import type { PluginMigration } from '@openline/sdk'

/** Run once each, in order; names never change once released. Tables are prefixed `faq_bot_`. */
export const migrations: PluginMigration[] = [
  {
    name: '0001_state',
    up: [
      // Where the client is in the menu and how many messages in a row the bot did not understand.
      `create table faq_bot_state (
        conversation_id bigint primary key references conversations(id) on delete cascade,
        path text not null default '',
        misses integer not null default 0,
        updated_at timestamptz not null default now()
      )`
    ],
    down: ['drop table faq_bot_state']
  }
]
