import type { PluginMigration } from '@openline/sdk'

/** The plugin's migrations, run once each in order; names never change once released. */
export const migrations: PluginMigration[] = [
  {
    name: '0001_tasks',
    up: [
      // A task made from a message (K6): it keeps the conversation (for visibility and the link back)
      // and the message while it exists.
      `create table tasks_tasks (
        id bigserial primary key,
        title text not null,
        description text not null default '',
        due_at timestamptz,
        status text not null default 'open' check (status in ('open', 'done')),
        assignee_id bigint not null references users(id),
        creator_id bigint not null references users(id),
        conversation_id bigint not null references conversations(id) on delete cascade,
        message_id bigint references messages(id) on delete set null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        completed_at timestamptz,
        completed_by bigint references users(id)
      )`,
      // Lists go by due date (none last), then id: the keyset the cursors carry.
      "create index tasks_tasks_assignee on tasks_tasks (assignee_id, status, (coalesce(due_at, 'infinity'::timestamptz)), id)",
      "create index tasks_tasks_due on tasks_tasks ((coalesce(due_at, 'infinity'::timestamptz)), id)",
      'create index tasks_tasks_conversation on tasks_tasks (conversation_id)',
      // A calendar event made from a message, with the iCalendar text it was published as.
      `create table tasks_calendar_events (
        id bigserial primary key,
        uid text not null unique,
        title text not null,
        description text not null,
        starts_at timestamptz not null,
        ends_at timestamptz not null,
        creator_id bigint not null references users(id),
        conversation_id bigint not null references conversations(id) on delete cascade,
        message_id bigint references messages(id) on delete set null,
        ics text not null,
        ics_storage_key text not null,
        created_at timestamptz not null default now(),
        check (ends_at > starts_at)
      )`,
      'create index tasks_calendar_events_conversation on tasks_calendar_events (conversation_id)',
      `create table tasks_calendar_attendees (
        event_id bigint not null references tasks_calendar_events(id) on delete cascade,
        user_id bigint not null references users(id),
        primary key (event_id, user_id)
      )`,
      'create index tasks_calendar_attendees_user on tasks_calendar_attendees (user_id)'
    ],
    down: ['drop table tasks_calendar_attendees', 'drop table tasks_calendar_events', 'drop table tasks_tasks']
  }
]
