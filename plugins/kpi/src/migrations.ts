import type { PluginMigration } from '@openline/sdk'

/**
 * The plugin's tables (prefixed `kpi_`), run once each in order; names never change once released.
 * Every timestamp the plugin compares is cut to milliseconds, so it survives a trip through a JS Date.
 * The statistics read only these tables, through covering indexes (index-only scans): see README.
 */
export const migrations: PluginMigration[] = [
  {
    name: '0001_kpi',
    up: [
      // Figures per conversation, kept up to date as messages come and go (H3: the list reads one row each).
      `create table kpi_conversations (
        conversation_id bigint primary key references conversations(id) on delete cascade,
        open_channel_id bigint not null,
        agent_id bigint,
        created_at timestamptz not null,
        first_response_sec integer,
        response_count integer not null default 0,
        response_sec_sum bigint not null default 0,
        late_count integer not null default 0,
        late_since timestamptz,
        waiting_since timestamptz,
        timer_due_at timestamptz,
        closed_at timestamptz,
        resolved boolean not null default false
      )`,
      'create index kpi_conversations_created_index on kpi_conversations (created_at) include (open_channel_id, agent_id, first_response_sec, late_count, resolved)',
      'create index kpi_conversations_agent_index on kpi_conversations (agent_id, created_at) include (open_channel_id, first_response_sec, late_count, resolved)',
      'create index kpi_conversations_channel_index on kpi_conversations (open_channel_id, created_at) include (agent_id, first_response_sec, late_count, resolved)',
      // Every answer that ended a client's wait: the agent's public message, when the wait began, how long it took.
      `create table kpi_responses (
        message_id bigint primary key,
        conversation_id bigint not null references conversations(id) on delete cascade,
        open_channel_id bigint not null,
        agent_id bigint,
        kind text not null check (kind in ('first', 'later')),
        client_message_at timestamptz not null,
        answered_at timestamptz not null,
        seconds integer not null
      )`,
      'create index kpi_responses_conversation_index on kpi_responses (conversation_id)',
      'create index kpi_responses_answered_index on kpi_responses (answered_at) include (seconds, kind, open_channel_id, agent_id)',
      'create index kpi_responses_agent_index on kpi_responses (agent_id, answered_at) include (seconds, kind, open_channel_id)',
      'create index kpi_responses_channel_index on kpi_responses (open_channel_id, answered_at) include (seconds, kind, agent_id)',
      // A missed target: once per wait (conversation and the client message the wait began with).
      `create table kpi_lateness (
        id bigserial primary key,
        conversation_id bigint not null references conversations(id) on delete cascade,
        open_channel_id bigint not null,
        agent_id bigint,
        kind text not null check (kind in ('first', 'later')),
        wait_started_at timestamptz not null,
        due_at timestamptz not null,
        late_at timestamptz not null default now(),
        answered_at timestamptz,
        unique (conversation_id, wait_started_at)
      )`,
      // The rendered notification each recipient got (there is no core notification store).
      `create table kpi_alerts (
        id bigserial primary key,
        user_id bigint not null references users(id) on delete cascade,
        lateness_id bigint not null references kpi_lateness(id) on delete cascade,
        text text not null,
        created_at timestamptz not null default now(),
        read_at timestamptz
      )`,
      'create index kpi_alerts_user_index on kpi_alerts (user_id, id)',
      'create index kpi_alerts_lateness_index on kpi_alerts (lateness_id)'
    ],
    down: ['drop table kpi_alerts', 'drop table kpi_lateness', 'drop table kpi_responses', 'drop table kpi_conversations']
  },
  {
    // The statistics join the ratings plugin's scores by conversation: with the id in the covering
    // indexes the period's rows stay an index-only scan (without it each row is fetched from the heap).
    name: '0002_kpi_conversation_ids',
    up: [
      'drop index kpi_conversations_created_index',
      'create index kpi_conversations_created_index on kpi_conversations (created_at) include (conversation_id, open_channel_id, agent_id, first_response_sec, late_count, resolved)',
      'drop index kpi_conversations_agent_index',
      'create index kpi_conversations_agent_index on kpi_conversations (agent_id, created_at) include (conversation_id, open_channel_id, first_response_sec, late_count, resolved)',
      'drop index kpi_conversations_channel_index',
      'create index kpi_conversations_channel_index on kpi_conversations (open_channel_id, created_at) include (conversation_id, agent_id, first_response_sec, late_count, resolved)'
    ],
    down: [
      'drop index kpi_conversations_created_index',
      'create index kpi_conversations_created_index on kpi_conversations (created_at) include (open_channel_id, agent_id, first_response_sec, late_count, resolved)',
      'drop index kpi_conversations_agent_index',
      'create index kpi_conversations_agent_index on kpi_conversations (agent_id, created_at) include (open_channel_id, first_response_sec, late_count, resolved)',
      'drop index kpi_conversations_channel_index',
      'create index kpi_conversations_channel_index on kpi_conversations (open_channel_id, created_at) include (agent_id, first_response_sec, late_count, resolved)'
    ]
  }
]
