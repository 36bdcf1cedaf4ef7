import { Migration } from '@mikro-orm/migrations'

/**
 * A client marked undeliverable (blocked the bot, unsubscribed) who writes again can be reached
 * again: their new message clears the mark. Rare, so a trigger keeps it out of the ingest function.
 */
export class Migration0004ReachableAgain extends Migration {
  override name = '0004_reachable_again'

  override up (): void {
    this.addSql(`create or replace function ol_client_reachable_again() returns trigger language plpgsql as $fn$
begin
  update client_identities i set undeliverable = false
    from conversations c
   where c.id = new.conversation_id and i.id = c.client_identity_id and i.undeliverable;
  return null;
end
$fn$;`)
    this.addSql(`create trigger messages_client_reachable_again after insert on messages
      for each row when (new.author_kind = 'client') execute function ol_client_reachable_again();`)
  }

  override down (): void {
    this.addSql('drop trigger if exists messages_client_reachable_again on messages;')
    this.addSql('drop function if exists ol_client_reachable_again();')
  }
}
