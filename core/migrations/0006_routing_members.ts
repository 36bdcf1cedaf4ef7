import { Migration } from '@mikro-orm/migrations'

/**
 * Routing keeps each open channel's resolved queue in memory and reads only what changed since
 * its last pass. Triggers record every change that can alter a queue: `queue_members` (the whole
 * channel), department membership, a user's `active` flag, absences and working days (that user),
 * and assignments (that user's new `last_assigned_at`, applied without a query).
 *
 * Rows carry the writing transaction's id. A reader keeps where its last read stopped as that
 * read's snapshot saw the transactions (those still running, and the next id) and next reads the
 * rows of exactly those and of later ones: a change that commits late is never skipped, whatever
 * the commit order. Rows are deleted once older than any cache still relies on
 * (core/src/routing/memberCache.ts).
 */
export class Migration0006RoutingMembers extends Migration {
  override name = '0006_routing_members'

  override up (): void {
    this.addSql(`create table routing_changes (
      xid xid8 not null default pg_current_xact_id(),
      open_channel_id bigint null,
      user_id bigint null,
      assigned_at timestamptz null);`)
    this.addSql('create index routing_changes_xid_index on routing_changes (xid);')

    // Statement triggers: saving a queue rewrites its rows in two statements, logged as one row each;
    // rows of department_members, user_absences and user_workdays name the users they concern.
    for (const [name, column] of [['queue', 'open_channel_id'], ['user_rows', 'user_id']]) {
      this.addSql(`create function ol_routing_${name}_changed() returns trigger language plpgsql as $fn$
begin
  if tg_op = 'INSERT' then
    insert into routing_changes (${column}) select distinct ${column} from new_rows;
  elsif tg_op = 'DELETE' then
    insert into routing_changes (${column}) select distinct ${column} from old_rows;
  else
    insert into routing_changes (${column}) select ${column} from old_rows union select ${column} from new_rows;
  end if;
  return null;
end
$fn$;`)
    }
    const watched: [string, string][] = [['queue_members', 'queue'], ['department_members', 'user_rows'], ['user_absences', 'user_rows'], ['user_workdays', 'user_rows']]
    for (const [table, name] of watched) {
      // A trigger with transition tables fires for one kind of statement: three per table.
      this.addSql(`create trigger ${table}_routing_inserted after insert on ${table}
        referencing new table as new_rows for each statement execute function ol_routing_${name}_changed();`)
      this.addSql(`create trigger ${table}_routing_updated after update on ${table}
        referencing old table as old_rows new table as new_rows for each statement execute function ol_routing_${name}_changed();`)
      this.addSql(`create trigger ${table}_routing_deleted after delete on ${table}
        referencing old table as old_rows for each statement execute function ol_routing_${name}_changed();`)
    }

    // An assignment only moves last_assigned_at forward: the new value travels with the row.
    this.addSql(`create function ol_routing_user_changed() returns trigger language plpgsql as $fn$
begin
  if new.active is not distinct from old.active and new.last_assigned_at is not null
     and (old.last_assigned_at is null or new.last_assigned_at > old.last_assigned_at) then
    insert into routing_changes (user_id, assigned_at) values (new.id, new.last_assigned_at);
  else
    insert into routing_changes (user_id) values (new.id);
  end if;
  return null;
end
$fn$;`)
    this.addSql(`create trigger users_routing after update of active, last_assigned_at on users for each row
      when (old.active is distinct from new.active or old.last_assigned_at is distinct from new.last_assigned_at)
      execute function ol_routing_user_changed();`)
  }

  override down (): void {
    this.addSql('drop trigger if exists users_routing on users;')
    for (const table of ['queue_members', 'department_members', 'user_absences', 'user_workdays']) {
      for (const event of ['inserted', 'updated', 'deleted']) this.addSql(`drop trigger if exists ${table}_routing_${event} on ${table};`)
    }
    this.addSql('drop function if exists ol_routing_user_changed();')
    this.addSql('drop function if exists ol_routing_user_rows_changed();')
    this.addSql('drop function if exists ol_routing_queue_changed();')
    this.addSql('drop table if exists routing_changes;')
  }
}
