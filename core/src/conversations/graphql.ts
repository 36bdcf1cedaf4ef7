import { OpenlineError, errorCodes, type AuthUser, type Attachment } from '@openline/sdk'
import mercurius from 'mercurius'
import type { AgentGraphQLContext, Core } from '../core.ts'
import { historyCondition } from '../auth/index.ts'
import { conversationColumns, toConversationRecord, messageColumns, toMessageRecord } from '../records.ts'
import { topics } from '../topics.ts'
import { isId, checkId } from '../ids.ts'

const { withFilter } = mercurius

export const conversationsTypeDefs = `
  enum ConversationStatus { queued bot assigned closing closed }
  enum AuthorKind { client agent bot system }
  enum Visibility { public internal }
  enum DeliveryStatus { none pending sent delivered read failed }

  type Client { id: ID!, name: String, email: String, phone: String, locale: String }

  type Conversation {
    id: ID!
    openChannelId: ID!
    connectionId: ID
    client: Client!
    status: ConversationStatus!
    assigneeId: ID
    title: String
    pinnedUntil: DateTime
    createdAt: DateTime!
    updatedAt: DateTime!
    queuedAt: DateTime
    assignedAt: DateTime
    firstResponseAt: DateTime
    lastClientMessageAt: DateTime
    lastAgentMessageAt: DateTime
    closedAt: DateTime
    messageCount: Int!
  }

  type Message {
    id: ID!
    conversationId: ID!
    authorKind: AuthorKind!
    authorUserId: ID
    visibility: Visibility!
    body: String!
    attachments: JSON!
    quoteMessageId: ID
    createdAt: DateTime!
    sentAt: DateTime
    editedAt: DateTime
    deletedAt: DateTime
    deliveryStatus: DeliveryStatus!
  }

  type ConversationPage { nodes: [Conversation!]!, nextCursor: String }
  type MessagePage { nodes: [Message!]!, "Pass as before to read older messages" previousCursor: String }
  type TypingEvent { conversationId: ID!, preview: String, at: DateTime! }
  type DeliveryUpdate { messageId: ID!, conversationId: ID!, status: DeliveryStatus!, error: String }

  extend type Query {
    "Conversations the signed-in user may see (J1), newest activity first."
    conversations(status: [ConversationStatus!], openChannelId: ID, assigneeId: ID, first: Int = 50, after: String): ConversationPage!
    conversation(id: ID!): Conversation
    "Messages of a conversation in the order they were written (provider time), oldest first; at most 200 a page."
    messages(conversationId: ID!, last: Int = 50, before: String): MessagePage!
  }

  extend type Mutation {
    "Reply to the client (public) or write a hidden note (internal: never delivered to the client). In silent mode every staff message is internal. Mentions are written @[Name](user:ID) or #[Title](conversation:ID): colleagues see links, the client only the names."
    sendMessage(conversationId: ID!, body: String!, internal: Boolean = false, quoteMessageId: ID, "Files uploaded with POST /files (at most 10)." attachmentIds: [ID!]): Message!
    "The agent is typing: the client sees a typing indicator where the channel can show one (at most every 4 s per conversation)."
    sendTyping(conversationId: ID!): Boolean!
  }

  extend type Subscription {
    "New messages in conversations the user may see; one conversation when conversationId is given."
    messageAdded(conversationId: ID): Message!
    messageDelivery(conversationId: ID): DeliveryUpdate!
    "E10: the client is typing in a conversation the user may see (preview where the channel sends one)."
    clientTyping(conversationId: ID): TypingEvent!
  }
`



const maxAttachments = 10

/** The user's own uploads as message attachments; anything else is refused by path. */
async function uploadedAttachments (core: Core, user: AuthUser, ids: string[]): Promise<Attachment[]> {
  if (ids.length > maxAttachments) throw new OpenlineError(errorCodes.validation, `At most ${maxAttachments} attachments`, { fields: [{ path: '/attachmentIds', message: `at most ${maxAttachments}` }] })
  const checked = ids.map((id, i) => checkId(id, `/attachmentIds/${i}`))
  if (checked.length === 0) return []
  const rows = await (core.orm.em.fork() as any).execute(
    `select id::text, storage_key, name, mime_type, size from uploads where user_id = ? and id in (${checked.map(() => '?').join(', ')})`, [user.id, ...checked]) as Record<string, any>[]
  return checked.map((id, i) => {
    const row = rows.find(r => r.id === id)
    if (row === undefined) throw new OpenlineError(errorCodes.validation, 'Unknown upload', { fields: [{ path: `/attachmentIds/${i}`, message: 'not an upload of yours' }] })
    const kind: Attachment['kind'] = row.mime_type.startsWith('image/') ? 'image' : row.mime_type.startsWith('audio/') ? 'audio' : row.mime_type.startsWith('video/') ? 'video' : 'file'
    return { kind, name: row.name, mimeType: row.mime_type, size: row.size, storageKey: row.storage_key }
  })
}

/** When the user's view of the history starts: null for everything (assignee, supervisors, invited with history). */
async function historyStart (core: Core, user: AuthUser, conversation: Record<string, any>): Promise<Date | null> {
  if (user.permissions.viewHistory === 'all' || String(conversation.assignee_id) === user.id) return null
  const [row] = await (core.orm.em.fork() as any).execute('select sees_history, joined_at from conversation_participants where conversation_id = ? and user_id = ?', [conversation.id, user.id]) as Record<string, any>[]
  return row !== undefined && row.sees_history === false ? row.joined_at : null
}

function pageSize (value: unknown, max: number): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) throw new OpenlineError(errorCodes.validation, `Page size must be 1–${max}`, { fields: [{ path: '/first', message: `must be 1–${max}` }] })
  return value as number
}

/** The conversation if the user may see it (J1), else OL_NOT_FOUND: existence is not leaked. */
export async function visibleConversation (core: Core, user: AuthUser, id: string): Promise<Record<string, any>> {
  const cond = historyCondition(user, 'c')
  const rows = await (core.orm.em.fork() as any).execute(`select ${conversationColumns.split(', ').map(c => 'c.' + c).join(', ')} from conversations c where c.id = ? and (${cond.sql})`, [id, ...cond.params]) as Record<string, any>[]
  if (rows.length === 0) throw new OpenlineError(errorCodes.notFound, 'Conversation not found', { statusCode: 404 })
  return rows[0]
}

// Keyset cursor: (updated_at, id) of the last row, opaque to clients.
const encodeCursor = (updatedAt: Date, id: string): string => Buffer.from(`${updatedAt.toISOString()}|${id}`).toString('base64url')
function decodeCursor (cursor: string): [string, string] {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|')
  if (at === undefined || id === undefined || Number.isNaN(new Date(at).getTime()) || !isId(id)) throw new OpenlineError(errorCodes.validation, 'Invalid cursor', { fields: [{ path: '/after', message: 'invalid cursor' }] })
  return [at, id]
}

export async function canSeeFeedItem (core: Core, user: AuthUser, conversationId: string): Promise<boolean> {
  if (user.permissions.viewHistory === 'all') return true
  try {
    await visibleConversation(core, user, conversationId)
    return true
  } catch {
    return false
  }
}

export const conversationsResolvers = {
  Query: {
    async conversations (_: unknown, args: { status?: string[], openChannelId?: string, assigneeId?: string, first: number, after?: string }, ctx: AgentGraphQLContext) {
      const user = ctx.requireUser()
      const first = pageSize(args.first, 200)
      const cond = historyCondition(user, 'c')
      const where = [`(${cond.sql})`]
      const params: unknown[] = [...cond.params]
      if (args.status != null && args.status.length > 0) { where.push(`c.status in (${args.status.map(() => '?').join(', ')})`); params.push(...args.status) }
      if (args.openChannelId != null) { where.push('c.open_channel_id = ?'); params.push(checkId(args.openChannelId, '/openChannelId')) }
      if (args.assigneeId != null) { where.push('c.assignee_id = ?'); params.push(checkId(args.assigneeId, '/assigneeId')) }
      if (args.after != null) { const [at, id] = decodeCursor(args.after); where.push('(c.updated_at, c.id) < (?::timestamptz, ?::bigint)'); params.push(at, id) }
      const rows = await (ctx.core.orm.em.fork() as any).execute(
        `select ${conversationColumns.split(', ').map(c => 'c.' + c).join(', ')} from conversations c where ${where.join(' and ')} order by c.updated_at desc, c.id desc limit ${first + 1}`, params) as Record<string, any>[]
      const nodes = rows.slice(0, first).map(toConversationRecord)
      const last = nodes[nodes.length - 1]
      return { nodes, nextCursor: rows.length > first && last !== undefined ? encodeCursor(last.updatedAt, last.id) : null }
    },
    async conversation (_: unknown, args: { id: string }, ctx: AgentGraphQLContext) {
      const user = ctx.requireUser()
      try {
        return toConversationRecord(await visibleConversation(ctx.core, user, checkId(args.id, '/id')))
      } catch (err) {
        if ((err as OpenlineError).code === errorCodes.notFound) return null
        throw err
      }
    },
    async messages (_: unknown, args: { conversationId: string, last: number, before?: string }, ctx: AgentGraphQLContext) {
      const user = ctx.requireUser()
      const last = pageSize(args.last, 200)
      const conversation = await visibleConversation(ctx.core, user, checkId(args.conversationId, '/conversationId'))
      // Ordered as the client wrote them (provider time), not as they arrived: webhooks can come out of order.
      const params: unknown[] = [args.conversationId]
      let before = ''
      if (args.before != null) {
        before = 'and (coalesce(sent_at, created_at), id) < (select coalesce(b.sent_at, b.created_at), b.id from messages b where b.id = ? and b.conversation_id = ?)'
        params.push(checkId(args.before, '/before'), args.conversationId)
      }
      // A colleague invited without the history (K5) sees what was written after they joined.
      const since = await historyStart(ctx.core, user, conversation)
      if (since !== null) { before += ' and created_at >= ?'; params.push(since) }
      const rows = await (ctx.core.orm.em.fork() as any).execute(
        `select ${messageColumns} from messages where conversation_id = ? ${before} order by coalesce(sent_at, created_at) desc, id desc limit ${last + 1}`, params) as Record<string, any>[]
      const nodes = rows.slice(0, last).map(toMessageRecord).reverse()
      return { nodes, previousCursor: rows.length > last ? nodes[0].id : null }
    }
  },
  Mutation: {
    async sendTyping (_: unknown, args: { conversationId: string }, ctx: AgentGraphQLContext) {
      const user = ctx.requireUser()
      const conv = await visibleConversation(ctx.core, user, checkId(args.conversationId, '/conversationId'))
      if (conv.connection_id === null || conv.status === 'closed') return false
      // Providers rate-limit chat actions and the indicator lasts a few seconds: one call per window.
      const fresh = await ctx.core.redis.set(ctx.core.redisKey(`typing:${conv.id}`), '1', 'PX', 4000, 'NX').catch(() => null)
      if (fresh !== 'OK') return false
      const [row] = await (ctx.core.orm.em.fork() as any).execute(
        `select cn.id::text as id, cn.open_channel_id::text as open_channel_id, cn.connector, cn.external_account_id, cn.status, cn.settings, cn.secrets, ci.external_user_id, ci.external_chat_id
           from conversations c join channel_connections cn on cn.id = c.connection_id join client_identities ci on ci.id = c.client_identity_id where c.id = ?`, [conv.id]) as Record<string, any>[]
      const connector = row === undefined ? undefined : ctx.core.registry.connectors.get(row.connector)
      if (connector?.typing === undefined || row.status !== 'connected') return false
      const connection = { id: row.id, openChannelId: row.open_channel_id, connector: row.connector, externalAccountId: row.external_account_id, status: row.status, settings: row.settings, secrets: row.secrets === null ? {} : ctx.core.secrets.open(row.secrets) }
      connector.typing({ connection, externalUserId: row.external_user_id, externalChatId: row.external_chat_id }, ctx.core.pluginContextOf(connector.id))
        .catch(err => ctx.core.log.debug({ err: (err as Error).message }, 'typing indicator failed'))
      return true
    },
    async sendMessage (_: unknown, args: { conversationId: string, body: string, internal: boolean, quoteMessageId?: string | null, attachmentIds?: string[] | null }, ctx: AgentGraphQLContext) {
      const user = ctx.requireUser()
      const conversation = await visibleConversation(ctx.core, user, checkId(args.conversationId, '/conversationId'))
      const attachments = await uploadedAttachments(ctx.core, user, args.attachmentIds ?? [])
      const quoteMessageId = args.quoteMessageId == null ? null : checkId(args.quoteMessageId, '/quoteMessageId')
      if (quoteMessageId !== null) {
        const quoted = await (ctx.core.orm.em.fork() as any).execute('select 1 from messages where id = ? and conversation_id = ?', [quoteMessageId, conversation.id]) as unknown[]
        if (quoted.length === 0) throw new OpenlineError(errorCodes.validation, 'The quoted message is not in this conversation', { fields: [{ path: '/quoteMessageId', message: 'not a message of this conversation' }] })
      }
      return ctx.core.sendMessage({
        conversationId: args.conversationId,
        body: args.body,
        authorKind: 'agent',
        authorUserId: user.id,
        // K5 silent mode: staff talk among themselves; nothing reaches the client until it is off.
        visibility: args.internal || conversation.silent === true ? 'internal' : 'public',
        attachments,
        quoteMessageId
      })
    }
  },
  Message: {
    // Signed, short-lived links for staff who may see the message (the resolver only runs for them).
    attachments: (message: { attachments: Record<string, unknown>[] }, _: unknown, ctx: AgentGraphQLContext) =>
      message.attachments.map(a => typeof a.storageKey === 'string'
        ? { ...a, url: `${ctx.core.config.publicUrl}/files/${ctx.core.files.signer.sign({ storageKey: a.storageKey, name: typeof a.name === 'string' ? a.name : undefined, mimeType: typeof a.mimeType === 'string' ? a.mimeType : undefined }, 900)}` }
        : a)
  },
  Conversation: {
    async client (conv: { clientId: string }, _: unknown, ctx: AgentGraphQLContext) {
      const [row] = await (ctx.core.orm.em.fork() as any).execute('select id::text, name, email, phone, locale from clients where id = ?', [conv.clientId]) as Record<string, any>[]
      return row
    }
  },
  Subscription: {
    messageAdded: {
      subscribe: withFilter(
        (_: unknown, args: { conversationId?: string }, ctx: any) => {
          if (ctx.user == null) throw new OpenlineError(errorCodes.unauthenticated, 'Sign in first')
          return ctx.pubsub.subscribe(topics.messages)
        },
        async (payload: { messageAdded?: { conversationId: string, visibility: string } }, args: { conversationId?: string }, ctx: any) => {
          const m = payload.messageAdded
          if (m === undefined) return false
          if (args.conversationId !== undefined && args.conversationId !== m.conversationId) return false
          return canSeeFeedItem(ctx.core, ctx.user, m.conversationId)
        })
    },
    clientTyping: {
      subscribe: withFilter(
        (_: unknown, _args: { conversationId?: string }, ctx: any) => {
          if (ctx.user == null) throw new OpenlineError(errorCodes.unauthenticated, 'Sign in first')
          return ctx.pubsub.subscribe(topics.typing)
        },
        async (payload: { clientTyping: { conversationId: string } }, args: { conversationId?: string }, ctx: any) => {
          if (args.conversationId !== undefined && args.conversationId !== payload.clientTyping.conversationId) return false
          return canSeeFeedItem(ctx.core, ctx.user, payload.clientTyping.conversationId)
        })
    },
    messageDelivery: {
      subscribe: withFilter(
        (_: unknown, _args: { conversationId?: string }, ctx: any) => {
          if (ctx.user == null) throw new OpenlineError(errorCodes.unauthenticated, 'Sign in first')
          return ctx.pubsub.subscribe(topics.messages)
        },
        async (payload: { messageDelivery?: { conversationId: string } }, args: { conversationId?: string }, ctx: any) => {
          const d = payload.messageDelivery
          if (d === undefined) return false
          if (args.conversationId !== undefined && args.conversationId !== d.conversationId) return false
          return canSeeFeedItem(ctx.core, ctx.user, d.conversationId)
        })
    }
  }
}
