import { Migration } from '@mikro-orm/migrations'

/**
 * K2–K6: what agents do with conversations and messages. Edits and deletes of delivered messages
 * travel through the outbox like sends (one row per action); uploads are files an agent sent up
 * before attaching them to a message.
 */
export class Migration0005ConversationActions extends Migration {
  override name = '0005_conversation_actions'

  override up (): void {
    this.addSql(`alter table outbox add column action text not null default 'send' check (action in ('send', 'edit', 'delete'));`)
    this.addSql('alter table conversations add column silent boolean not null default false;')
    this.addSql('alter table conversations add column pinned_by_id bigint null references users (id) on delete set null;')
    this.addSql(`create table uploads (
      id bigserial primary key,
      user_id bigint null references users (id) on delete cascade,
      storage_key text not null,
      name text not null,
      mime_type text not null,
      size integer not null,
      created_at timestamptz not null default now()
    );`)
    this.addSql('create index uploads_user_id_index on uploads (user_id);')
    // K1: open conversations waiting for an answer, found without scanning closed ones.
    this.addSql(`create index conversations_unanswered_index on conversations (last_client_message_at)
      where status in ('queued', 'assigned') and last_client_message_at is not null;`)
  }

  override down (): void {
    this.addSql('drop index if exists conversations_unanswered_index;')
    this.addSql('drop table if exists uploads;')
    this.addSql('alter table conversations drop column if exists pinned_by_id;')
    this.addSql('alter table conversations drop column if exists silent;')
    this.addSql('alter table outbox drop column if exists action;')
  }
}
