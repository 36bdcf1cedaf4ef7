import type { PluginMigration } from '@openline/sdk'

/** Run once each, in order; names never change once released. Tables are prefixed `ratings_`. */
export const migrations: PluginMigration[] = [
  {
    name: '0001_ratings',
    up: [
      // The question sent in a conversation (one per conversation: asking again replaces it).
      // `mode` says how the client can answer (buttons, or typing 1/2); `expires_at` is null without a time limit.
      `create table ratings_requests (
        conversation_id bigint primary key references conversations(id) on delete cascade,
        kind text not null check (kind in ('during', 'end')),
        mode text not null check (mode in ('buttons', 'text')),
        message_id bigint,
        asked_at timestamptz not null default now(),
        expires_at timestamptz
      )`,
      // The client's like/dislike (F1, F2: first valid answer wins) and the supervisor's stars (F3: editable).
      `create table ratings_scores (
        conversation_id bigint primary key references conversations(id) on delete cascade,
        client_value text check (client_value in ('like', 'dislike')),
        client_source text check (client_source in ('button', 'text')),
        client_message_id bigint,
        client_rated_at timestamptz,
        stars smallint check (stars between 1 and 5),
        comment text,
        stars_by_id bigint references users(id) on delete set null,
        stars_at timestamptz,
        check ((client_value is null) = (client_rated_at is null)),
        check ((stars is null) = (stars_at is null))
      )`
    ],
    down: ['drop table ratings_scores', 'drop table ratings_requests']
  }
]
