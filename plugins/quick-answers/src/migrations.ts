import type { PluginMigration } from '@openline/sdk'

/** The plugin's migrations, run once each in order; names never change once released. */
export const migrations: PluginMigration[] = [
  {
    name: '0001_answers',
    up: [
      // One row per answer: of one open channel, or of every channel when open_channel_id is null.
      // `search_text` is title and text folded (lower case, no accents) by the plugin, so search
      // needs no database extension. `category` is '' when none: keyset cursors compare it as text.
      `create table quick_answers_answers (
        id bigserial primary key,
        open_channel_id bigint references open_channels(id) on delete cascade,
        title text,
        text text not null,
        category text not null default '',
        sort_order integer not null default 0,
        personal boolean not null default false,
        created_by bigint references users(id) on delete set null,
        usage_count integer not null default 0,
        last_used_at timestamptz,
        search_text text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`,
      'create index quick_answers_answers_channel on quick_answers_answers (open_channel_id, usage_count desc, sort_order, id)',
      'create index quick_answers_answers_author on quick_answers_answers (created_by) where personal'
    ],
    down: ['drop table quick_answers_answers']
  }
]
