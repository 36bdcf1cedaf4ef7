import { Migration } from '@mikro-orm/migrations'

/**
 * Distribution: queue members (users and whole departments, resolved at routing time), agent
 * availability (absences, the working day when time tracking is on) and offers. The claim itself
 * is a guarded update of `conversations` under a lock of the agent's row, so limits hold.
 */
export class Migration0003Routing extends Migration {
  override name = '0003_routing'

  override up (): void {
    this.addSql(`create table "queue_members" (
      "open_channel_id" bigint not null references "open_channels" ("id") on delete cascade,
      "position" int not null,
      "user_id" bigint null references "users" ("id") on delete cascade,
      "department_id" bigint null references "departments" ("id") on delete cascade,
      constraint "queue_members_one_kind" check (num_nonnulls("user_id", "department_id") = 1),
      primary key ("open_channel_id", "position"));`)
    this.addSql('create index "queue_members_user_index" on "queue_members" ("user_id") where "user_id" is not null;')
    this.addSql('create index "queue_members_department_index" on "queue_members" ("department_id") where "department_id" is not null;')

    this.addSql(`create table "user_absences" (
      "id" bigserial primary key,
      "user_id" bigint not null references "users" ("id") on delete cascade,
      "starts_on" date not null,
      "ends_on" date not null,
      "reason" text null,
      "created_at" timestamptz not null default now(),
      constraint "user_absences_range" check ("ends_on" >= "starts_on"));`)
    this.addSql('create index "user_absences_user_index" on "user_absences" ("user_id", "ends_on");')

    // Time tracking: the agent's current working-day state.
    this.addSql(`create table "user_workdays" (
      "user_id" bigint primary key references "users" ("id") on delete cascade,
      "state" text not null check ("state" in ('working', 'paused', 'ended')),
      "started_at" timestamptz not null,
      "changed_at" timestamptz not null default now());`)

    this.addSql(`create table "conversation_offers" (
      "conversation_id" bigint not null references "conversations" ("id") on delete cascade,
      "user_id" bigint not null references "users" ("id") on delete cascade,
      "state" text not null check ("state" in ('open', 'accepted', 'skipped', 'expired', 'withdrawn')),
      "exclusive" boolean not null,
      "offered_at" timestamptz not null default now(),
      "expires_at" timestamptz null,
      "closed_at" timestamptz null,
      primary key ("conversation_id", "user_id"));`)
    this.addSql('create index "conversation_offers_open_index" on "conversation_offers" ("user_id") where "state" = \'open\';')

    // accepted_at: the assignee answered (took) the conversation; until then the assignment is an offer.
    this.addSql('alter table "conversations" add column "accepted_at" timestamptz null;')
    this.addSql('alter table "conversations" add column "waiting_reason" text null;')
    this.addSql('alter table "users" add column "last_assigned_at" timestamptz null;')
    this.addSql('create index "conversations_waiting_index" on "conversations" ("open_channel_id", "queued_at", "id") where "status" = \'queued\';')
  }

  override down (): void {
    this.addSql('drop index if exists "conversations_waiting_index";')
    this.addSql('alter table "users" drop column "last_assigned_at";')
    this.addSql('alter table "conversations" drop column "waiting_reason";')
    this.addSql('alter table "conversations" drop column "accepted_at";')
    this.addSql('drop table if exists "conversation_offers";')
    this.addSql('drop table if exists "user_workdays";')
    this.addSql('drop table if exists "user_absences";')
    this.addSql('drop table if exists "queue_members";')
  }
}
