import type { PluginMigration } from '@openline/sdk'

/**
 * The plugin's tables, created once in order; names never change once released.
 * `client_id` columns carry no foreign key on purpose: a merge (I2) moves CRM rows between clients
 * after the core commits it, and a cascade or `set null` would lose them before that.
 */
export const migrations: PluginMigration[] = [
  {
    name: '0001_crm',
    up: [
      // The key that signs form links when the options give none: made once, shared by every instance.
      `create table crm_secrets (
        name text primary key,
        value text not null,
        created_at timestamptz not null default now()
      )`,
      // What the plugin learnt about a core client (channel profile, forms, messages): the I1 lookup keys.
      `create table crm_client_facts (
        id bigserial primary key,
        client_id bigint not null,
        kind text not null check (kind in ('phone', 'email', 'name')),
        value text not null,
        source text not null,
        created_at timestamptz not null default now(),
        unique (client_id, kind, value)
      )`,
      'create index crm_client_facts_lookup on crm_client_facts (kind, value)',
      `create table crm_contacts (
        id bigserial primary key,
        client_id bigint,
        name text,
        phones text[] not null default '{}',
        emails text[] not null default '{}',
        responsible_id bigint references users(id) on delete set null,
        conversation_id bigint references conversations(id) on delete set null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`,
      'create index crm_contacts_client on crm_contacts (client_id)',
      'create index crm_contacts_phones on crm_contacts using gin (phones)',
      'create index crm_contacts_emails on crm_contacts using gin (emails)',
      'create index crm_contacts_responsible on crm_contacts (responsible_id, id)',
      `create table crm_leads (
        id bigserial primary key,
        client_id bigint,
        contact_id bigint references crm_contacts(id) on delete set null,
        title text not null,
        name text,
        phones text[] not null default '{}',
        emails text[] not null default '{}',
        status text not null default 'new' check (status in ('new', 'inProgress', 'converted', 'junk')),
        source text not null,
        open_channel_id bigint references open_channels(id) on delete set null,
        responsible_id bigint references users(id) on delete set null,
        conversation_id bigint references conversations(id) on delete set null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`,
      'create index crm_leads_client on crm_leads (client_id)',
      'create index crm_leads_conversation on crm_leads (conversation_id)',
      'create index crm_leads_responsible on crm_leads (responsible_id, id)',
      'create index crm_leads_phones on crm_leads using gin (phones)',
      'create index crm_leads_emails on crm_leads using gin (emails)',
      `create table crm_deals (
        id bigserial primary key,
        client_id bigint,
        contact_id bigint references crm_contacts(id) on delete set null,
        title text not null,
        stage text not null default 'new' check (stage in ('new', 'inProgress', 'won', 'lost')),
        amount numeric(14, 2),
        source text not null,
        open_channel_id bigint references open_channels(id) on delete set null,
        responsible_id bigint references users(id) on delete set null,
        conversation_id bigint references conversations(id) on delete set null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`,
      'create index crm_deals_client on crm_deals (client_id)',
      'create index crm_deals_conversation on crm_deals (conversation_id)',
      'create index crm_deals_responsible on crm_deals (responsible_id, id)',
      'create index crm_deals_contact on crm_deals (contact_id)',
      // I5/I6: chat logs, form answers and notes on a record; one chat log per record and conversation.
      `create table crm_activities (
        id bigserial primary key,
        record_kind text not null check (record_kind in ('contact', 'lead', 'deal')),
        record_id bigint not null,
        kind text not null check (kind in ('chat', 'form', 'note')),
        body text not null,
        answers jsonb,
        conversation_id bigint references conversations(id) on delete set null,
        author_id bigint references users(id) on delete set null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`,
      'create index crm_activities_record on crm_activities (record_kind, record_id, id)',
      "create unique index crm_activities_one_chat_log on crm_activities (record_kind, record_id, conversation_id) where kind = 'chat'",
      // Which CRM records (of whichever adapter) a conversation belongs to, and whether it made them (I4).
      `create table crm_conversation_links (
        conversation_id bigint not null references conversations(id) on delete cascade,
        adapter text not null,
        kind text not null,
        record_id text not null,
        title text,
        responsible_id text,
        url text,
        created_here boolean not null,
        created_at timestamptz not null default now(),
        primary key (conversation_id, adapter, kind, record_id)
      )`,
      // One row per conversation the plugin handled: the lock that keeps I3 to once, and what it waits for.
      `create table crm_conversation_state (
        conversation_id bigint primary key references conversations(id) on delete cascade,
        pending text check (pending in ('lead')),
        offered boolean not null default false,
        updated_at timestamptz not null default now()
      )`,
      `create table crm_forms (
        id bigserial primary key,
        title text not null,
        fields jsonb not null,
        archived boolean not null default false,
        created_by bigint references users(id) on delete set null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`,
      // A form sent in a conversation: the fields as they were when sent, so a later edit never breaks a link.
      `create table crm_form_sends (
        id bigserial primary key,
        form_id bigint not null references crm_forms(id),
        conversation_id bigint not null references conversations(id) on delete cascade,
        title text not null,
        fields jsonb not null,
        auto boolean not null,
        sent_by bigint references users(id) on delete set null,
        expires_at timestamptz not null,
        created_at timestamptz not null default now(),
        submitted_at timestamptz,
        answers jsonb
      )`,
      'create index crm_form_sends_conversation on crm_form_sends (conversation_id)',
      'create unique index crm_form_sends_one_auto on crm_form_sends (conversation_id) where auto',
      // I2: what a merge moved, so undoing it moves exactly those rows back.
      `create table crm_merges (
        merge_id text primary key,
        source_client_id bigint not null,
        target_client_id bigint not null,
        state text not null check (state in ('merged', 'undone')),
        updated_at timestamptz not null default now()
      )`,
      `create table crm_merge_moves (
        merge_id text not null,
        table_name text not null,
        row_id bigint not null,
        from_client_id bigint not null,
        primary key (merge_id, table_name, row_id)
      )`
    ],
    down: [
      'drop table crm_merge_moves', 'drop table crm_merges', 'drop table crm_form_sends', 'drop table crm_forms',
      'drop table crm_conversation_state', 'drop table crm_conversation_links', 'drop table crm_activities',
      'drop table crm_deals', 'drop table crm_leads', 'drop table crm_contacts', 'drop table crm_client_facts', 'drop table crm_secrets'
    ]
  }
]
