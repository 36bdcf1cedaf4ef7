import type { PluginMigration } from '@openline/sdk'
import { consentMigrations } from './consent.ts'

/**
 * The plugin's migrations, run once each in this order (names must never change once released).
 * Tables are prefixed `automation_`. New features append theirs at the end.
 */
export const migrations: PluginMigration[] = [
  ...consentMigrations,
  {
    name: '0002_automatic_actions',
    up: [
      // One automatic text per conversation and action (greeting, outOfHours, noAgents…): the
      // claim commits with the message, so a text goes out once however often its trigger runs.
      `create table automation_sent (
        conversation_id bigint not null references conversations(id) on delete cascade,
        action text not null,
        message_id bigint,
        sent_at timestamptz not null default now(),
        primary key (conversation_id, action)
      )`,
      // E3: conversations marked unanswered (no agent reply in time); the first reply removes the row.
      `create table automation_unanswered (
        conversation_id bigint primary key references conversations(id) on delete cascade,
        marked_at timestamptz not null default now()
      )`,
      // D1 with askAt = firstContact: the notice went to this client in this channel for this text version.
      `create table automation_consent_notices (
        client_id bigint not null references clients(id) on delete cascade,
        open_channel_id bigint not null references open_channels(id) on delete cascade,
        text_version text not null,
        conversation_id bigint references conversations(id) on delete set null,
        sent_at timestamptz not null default now(),
        primary key (client_id, open_channel_id, text_version)
      )`
    ],
    down: ['drop table automation_consent_notices', 'drop table automation_unanswered', 'drop table automation_sent']
  }
]
