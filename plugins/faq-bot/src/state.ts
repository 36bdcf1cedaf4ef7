// The bot's memory of a conversation, in the transaction the core runs the bot in (which holds
// the conversation row locked, so two messages of one conversation never race here).
import type { Id, Tx } from '@openline/sdk'

export interface BotState {
  path: string
  misses: number
}

export async function readState (tx: Tx, conversationId: Id): Promise<BotState> {
  const [row] = await tx.query<{ path: string, misses: number }>('select path, misses from faq_bot_state where conversation_id = ?', [conversationId])
  return row === undefined ? { path: '', misses: 0 } : { path: row.path, misses: Number(row.misses) }
}

export async function writeState (tx: Tx, conversationId: Id, state: BotState): Promise<void> {
  await tx.query(
    `insert into faq_bot_state (conversation_id, path, misses) values (?, ?, ?)
     on conflict (conversation_id) do update set path = excluded.path, misses = excluded.misses, updated_at = now()`,
    [conversationId, state.path, state.misses])
}
