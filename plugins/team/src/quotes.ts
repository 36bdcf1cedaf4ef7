// Quoting a conversation message into a staff chat or the feed (K6). The text is copied as it
// reads now, into `team_quotes`, whose rows go with the conversation when it is erased.
import type { AuthUser, AuthorKind, ConversationRecord, MessageRecord, PluginContext } from '@openline/sdk'
import type { Query } from './db.ts'
import { checkId, invalid, notFound } from './input.ts'

export interface Quote {
  conversationId: string
  messageId: string
  authorKind: AuthorKind
  body: string
  /** When the quoted message was written. */
  createdAt: Date
}

/** Columns of a `team_quotes` row joined as `q`, read back by `quoteOf`. */
export const quoteColumns = 'q.conversation_id::text as q_conversation_id, q.message_id::text as q_message_id, q.author_kind as q_author_kind, q.body as q_body, q.written_at as q_written_at'

export function quoteOf (row: Record<string, any>): Quote | null {
  if (row.q_message_id === null || row.q_message_id === undefined) return null
  return { conversationId: row.q_conversation_id, messageId: row.q_message_id, authorKind: row.q_author_kind, body: row.q_body, createdAt: new Date(row.q_written_at) }
}

/**
 * The message `messageId` (argument at `path`) with its conversation, if `user` may see that
 * conversation (J1). An unknown message and one the user may not see give the same OL_NOT_FOUND.
 */
export async function quotableMessage (ctx: PluginContext<any>, user: AuthUser, messageId: unknown, path: string): Promise<{ message: MessageRecord, conversation: ConversationRecord }> {
  const id = checkId(messageId, path)
  const message = await ctx.messages.get(id)
  if (message === null) throw notFound('Message')
  const conversation = await ctx.conversations.visibleTo(user, message.conversationId)
  // A deleted message's text must not come back through a quote.
  if (message.deletedAt !== null) throw invalid('The message was deleted', [{ path, message: 'was deleted' }])
  return { message, conversation }
}

/** Copy the message into `team_quotes`; returns the quote's id. */
export async function storeQuote (query: Query, message: MessageRecord): Promise<string> {
  const [row] = await query<{ id: string }>(
    'insert into team_quotes (conversation_id, message_id, author_kind, body, written_at) values (?, ?, ?, ?, ?) returning id::text',
    [message.conversationId, message.id, message.authorKind, message.body, message.sentAt ?? message.createdAt])
  return row.id
}
