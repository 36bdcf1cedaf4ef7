// Staff chats in the database: chats, their members and messages. Plain functions over a `Query`
// (a transaction's or a plain read); the resolvers decide who may call them.
import { placeholders, optionalString, type Query } from './db.ts'
import { quoteColumns, quoteOf, type Quote } from './quotes.ts'

export interface ChatMember {
  userId: string
  name: string
  joinedAt: Date
}

export interface ChatMessage {
  id: string
  chatId: string
  /** Null once the author's account is removed. */
  authorId: string | null
  authorName: string | null
  body: string
  quote: Quote | null
  createdAt: Date
  editedAt: Date | null
}

export interface Chat {
  id: string
  title: string
  createdById: string | null
  sourceConversationId: string | null
  sourceMessageId: string | null
  createdAt: Date
  lastMessageAt: Date
  members: ChatMember[]
  /** Messages by others after the reader's read mark. */
  unreadCount: number
  lastMessage: ChatMessage | null
}

const messageSelect = `select m.id::text, m.chat_id::text, m.author_id::text, u.name as author_name, m.body, m.created_at, m.edited_at, ${quoteColumns}
  from team_chat_messages m left join users u on u.id = m.author_id left join team_quotes q on q.id = m.quote_id`

function toMessage (row: Record<string, any>): ChatMessage {
  return {
    id: row.id,
    chatId: row.chat_id,
    authorId: optionalString(row.author_id),
    authorName: optionalString(row.author_name),
    body: row.body,
    quote: quoteOf(row),
    createdAt: new Date(row.created_at),
    editedAt: row.edited_at === null ? null : new Date(row.edited_at)
  }
}

/** True when `userId` is a current member (not one who left) and an active user. */
export async function isMember (query: Query, chatId: string, userId: string): Promise<boolean> {
  const rows = await query('select 1 from team_chat_members m join users u on u.id = m.user_id and u.active where m.chat_id = ? and m.user_id = ? and m.left_at is null', [chatId, userId])
  return rows.length > 0
}

export async function countMembers (query: Query, chatId: string): Promise<number> {
  const [row] = await query<{ n: number }>('select count(*)::int as n from team_chat_members where chat_id = ? and left_at is null', [chatId])
  return row.n
}

/** Create a chat with its members (the creator first); returns its id. */
export async function insertChat (query: Query, input: { title: string, createdById: string, memberIds: string[], sourceConversationId?: string | null, sourceMessageId?: string | null }): Promise<string> {
  const [chat] = await query<{ id: string }>(
    'insert into team_chats (title, created_by_id, source_conversation_id, source_message_id) values (?, ?, ?, ?) returning id::text',
    [input.title, input.createdById, input.sourceConversationId ?? null, input.sourceMessageId ?? null])
  const ids = [...new Set([input.createdById, ...input.memberIds])]
  await query(`insert into team_chat_members (chat_id, user_id) values ${ids.map(() => '(?, ?)').join(', ')}`, ids.flatMap(id => [chat.id, id]))
  return chat.id
}

/** Add a member, or bring back one who left (their read mark kept). False when already a member. */
export async function addMember (query: Query, chatId: string, userId: string): Promise<boolean> {
  const rows = await query(
    `insert into team_chat_members (chat_id, user_id) values (?, ?)
     on conflict (chat_id, user_id) do update set left_at = null, joined_at = now() where team_chat_members.left_at is not null
     returning user_id`, [chatId, userId])
  return rows.length > 0
}

/** False when the user was not a member. */
export async function removeMember (query: Query, chatId: string, userId: string): Promise<boolean> {
  const rows = await query('update team_chat_members set left_at = now() where chat_id = ? and user_id = ? and left_at is null returning user_id', [chatId, userId])
  return rows.length > 0
}

/** Store a message; the chat moves to the top of its members' lists and the author has read it. */
export async function insertMessage (query: Query, input: { chatId: string, authorId: string, body: string, quoteId?: string | null }): Promise<ChatMessage> {
  const [row] = await query<{ id: string }>('insert into team_chat_messages (chat_id, author_id, body, quote_id) values (?, ?, ?, ?) returning id::text',
    [input.chatId, input.authorId, input.body, input.quoteId ?? null])
  // greatest(): a concurrent post by someone else may have moved it already; activity only moves forward.
  await query("update team_chats set last_message_at = greatest(last_message_at, date_trunc('milliseconds', clock_timestamp())) where id = ?", [input.chatId])
  await query('update team_chat_members set last_read_message_id = greatest(last_read_message_id, ?) where chat_id = ? and user_id = ?', [row.id, input.chatId, input.authorId])
  return (await messageById(query, row.id)) as ChatMessage
}

export async function messageById (query: Query, id: string): Promise<ChatMessage | null> {
  const [row] = await query(`${messageSelect} where m.id = ?`, [id])
  return row === undefined ? null : toMessage(row)
}

export async function updateMessageBody (query: Query, id: string, body: string): Promise<ChatMessage> {
  await query('update team_chat_messages set body = ?, edited_at = now() where id = ?', [body, id])
  return (await messageById(query, id)) as ChatMessage
}

/** A page of a chat's messages, oldest first, ending before message `beforeId` when given. */
export async function messagePage (query: Query, chatId: string, last: number, beforeId: string | null): Promise<{ nodes: ChatMessage[], previousCursor: string | null }> {
  const params: unknown[] = [chatId]
  let before = ''
  if (beforeId !== null) { before = 'and m.id < ?'; params.push(beforeId) }
  const rows = await query(`${messageSelect} where m.chat_id = ? ${before} order by m.id desc limit ${last + 1}`, params)
  const nodes = rows.slice(0, last).map(toMessage).reverse()
  return { nodes, previousCursor: rows.length > last && nodes.length > 0 ? nodes[0].id : null }
}

/** Mark everything in the chat read for the user, up to its newest message. */
export async function markRead (query: Query, chatId: string, userId: string): Promise<void> {
  await query(`update team_chat_members set last_read_message_id = greatest(last_read_message_id, coalesce((select max(id) from team_chat_messages where chat_id = ?), 0))
                where chat_id = ? and user_id = ?`, [chatId, chatId, userId])
}

/**
 * Chats `userId` is a current member of, newest activity first, with members, unread counts and
 * the last message. `only` restricts to these chat ids; `after` is the (last_message_at, id) of
 * the previous page's last chat.
 */
export async function chatsOf (query: Query, userId: string, options: { only?: string[], after?: [string, string], limit: number }): Promise<Chat[]> {
  const where = ['me.user_id = ?', 'me.left_at is null']
  const params: unknown[] = [userId]
  if (options.only !== undefined) {
    if (options.only.length === 0) return []
    where.push(`c.id in (${placeholders(options.only.length)})`)
    params.push(...options.only)
  }
  if (options.after !== undefined) {
    where.push('(c.last_message_at, c.id) < (?::timestamptz, ?::bigint)')
    params.push(...options.after)
  }
  const rows = await query(
    `select c.id::text, c.title, c.created_by_id::text, c.source_conversation_id::text, c.source_message_id::text, c.created_at, c.last_message_at,
            (select count(*)::int from team_chat_messages x where x.chat_id = c.id and x.id > me.last_read_message_id and x.author_id is distinct from me.user_id) as unread_count
       from team_chat_members me join team_chats c on c.id = me.chat_id
      where ${where.join(' and ')}
      order by c.last_message_at desc, c.id desc limit ${options.limit}`, params)
  if (rows.length === 0) return []
  const ids = rows.map(r => r.id as string)
  const members = await membersOf(query, ids)
  const lastMessages = await lastMessagesOf(query, ids)
  return rows.map(row => ({
    id: row.id,
    title: row.title,
    createdById: optionalString(row.created_by_id),
    sourceConversationId: optionalString(row.source_conversation_id),
    sourceMessageId: optionalString(row.source_message_id),
    createdAt: new Date(row.created_at),
    lastMessageAt: new Date(row.last_message_at),
    members: members.get(row.id) ?? [],
    unreadCount: row.unread_count,
    lastMessage: lastMessages.get(row.id) ?? null
  }))
}

async function membersOf (query: Query, chatIds: string[]): Promise<Map<string, ChatMember[]>> {
  const rows = await query(
    `select mb.chat_id::text, mb.user_id::text, u.name, mb.joined_at from team_chat_members mb join users u on u.id = mb.user_id
      where mb.chat_id in (${placeholders(chatIds.length)}) and mb.left_at is null order by mb.joined_at, mb.user_id`, chatIds)
  const out = new Map<string, ChatMember[]>()
  for (const row of rows) {
    const list = out.get(row.chat_id) ?? []
    list.push({ userId: row.user_id, name: row.name, joinedAt: new Date(row.joined_at) })
    out.set(row.chat_id, list)
  }
  return out
}

async function lastMessagesOf (query: Query, chatIds: string[]): Promise<Map<string, ChatMessage>> {
  const rows = await query(`${messageSelect} where m.id in (select max(id) from team_chat_messages where chat_id in (${placeholders(chatIds.length)}) group by chat_id)`, chatIds)
  return new Map(rows.map(row => [row.chat_id as string, toMessage(row)]))
}
