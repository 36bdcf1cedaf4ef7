// What the plugin reads of core conversations beyond the SDK's record (never writes them).
import type { Id, Tx } from '@openline/sdk'

/**
 * The agent who accepted the conversation, if any: its assignee once they answered the offer, took
 * it or got it by transfer (accepted_at), or simply replied to the client.
 */
export async function acceptedAgent (tx: Tx, conversationId: Id): Promise<Id | null> {
  const [row] = await tx.query<{ id: string | null }>(
    `select c.assignee_id::text as id from conversations c where c.id = ? and c.assignee_id is not null and (c.accepted_at is not null or exists (
       select 1 from messages m where m.conversation_id = c.id and m.author_user_id = c.assignee_id and m.author_kind = 'agent' and m.visibility = 'public'))`, [conversationId])
  return row?.id ?? null
}

/** The connector the conversation came through (telegram, webchat, …): the source of its records (I3). */
export async function sourceOf (tx: Tx, conversationId: Id): Promise<string> {
  const [row] = await tx.query<{ connector: string | null }>(
    'select cc.connector from conversations c left join channel_connections cc on cc.id = c.connection_id where c.id = ?', [conversationId])
  return row?.connector ?? 'manual'
}

export async function isActiveUser (tx: Tx, userId: Id): Promise<boolean> {
  const [row] = await tx.query('select 1 from users where id = ? and active', [userId])
  return row !== undefined
}
