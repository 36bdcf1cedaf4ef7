import type { PluginMigration } from '@openline/sdk'

/**
 * The plugin's tables, prefixed `webhooks_`. Names never change once released; append new
 * migrations at the end.
 */
export const migrations: PluginMigration[] = [
  {
    name: '0001_webhooks',
    up: [
      `create table webhooks_endpoints (
        id bigserial primary key,
        url text not null,
        description text,
        -- Event names as a JSON array of strings; open channel ids as a JSON array of id strings
        -- (empty: every open channel). jsonb keeps containment matches simple and indexable.
        events jsonb not null,
        open_channel_ids jsonb not null default '[]'::jsonb,
        active boolean not null default true,
        -- Stored as is: the SDK offers plugins no sealing (see README). Never returned after it is shown once.
        secret text not null,
        consecutive_failures integer not null default 0,
        disabled_reason text,
        disabled_at timestamptz,
        created_by_id bigint references users(id) on delete set null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`,
      // One row per (event, endpoint) and per manual redelivery or ping. The body is kept byte for
      // byte so every attempt signs and sends the same payload; it is removed with its conversation.
      `create table webhooks_deliveries (
        id bigserial primary key,
        uid uuid not null unique,
        webhook_id bigint not null references webhooks_endpoints(id) on delete cascade,
        event text not null,
        event_id uuid not null,
        conversation_id bigint references conversations(id) on delete cascade,
        body text not null,
        manual boolean not null default false,
        redelivery_of bigint references webhooks_deliveries(id) on delete set null,
        status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
        attempts integer not null default 0,
        last_error text,
        response_status integer,
        next_attempt_at timestamptz not null default now(),
        last_attempt_at timestamptz,
        delivered_at timestamptz,
        created_at timestamptz not null default now()
      )`,
      'create index webhooks_deliveries_webhook_index on webhooks_deliveries (webhook_id, id)',
      "create index webhooks_deliveries_pending_index on webhooks_deliveries (next_attempt_at) where status = 'pending'",
      'create index webhooks_deliveries_created_index on webhooks_deliveries (created_at)',
      'create index webhooks_deliveries_conversation_index on webhooks_deliveries (conversation_id)'
    ],
    down: [
      'drop table webhooks_deliveries',
      'drop table webhooks_endpoints'
    ]
  }
]
