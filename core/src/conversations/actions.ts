// K2–K6: what staff do with a conversation beyond replying — transfer, take over, spam, invite,
// silent mode, pin, rename, split — and with a message — edit and delete.
import { OpenlineError, errorCodes, coreEvents, closeReasons, perRequestBatch, type AuthUser, type Tx, type GraphQLExtension } from '@openline/sdk'
import type { AgentGraphQLContext, Core } from '../core.ts'
import { historyCondition } from '../auth/index.ts'
import { conversationColumns, toConversationRecord, messageColumns, toMessageRecord } from '../records.ts'
import { topics } from '../topics.ts'
import { canSeeFeedItem } from './graphql.ts'
import { checkId } from '../ids.ts'
import mercurius from 'mercurius'

const { withFilter } = mercurius

const typeDefs = `
  type Participant { userId: ID!, name: String!, role: String!, seesHistory: Boolean!, joinedAt: DateTime!, leftAt: DateTime }

  extend type Conversation {
    "K7: the connector of the channel the client writes from (telegram, webchat, …)."
    connector: String
    participants: [Participant!]!
    "K5 silent mode: while on, staff messages stay internal."
    silent: Boolean!
    "Who locked the conversation as theirs until pinnedUntil (blocks auto-close)."
    pinnedById: ID
    "The last public message text: never an internal note."
    preview: String
    "The client wrote last and no agent has answered since (the Unanswered list, K1). The automation plugin's unanswered is E3's time-based mark."
    awaitingReply: Boolean!
    closeReason: String
  }

  extend type Message {
    authorName: String
    "K7: the connector the message came in or went out through."
    connector: String
  }

  extend type Query {
    "K1: open conversations whose last client message has no answer yet, longest waiting first."
    unansweredConversations(openChannelId: ID, first: Int = 50): [Conversation!]!
    "Every conversation with this client the user may see, newest first (view history)."
    clientConversations(clientId: ID!, first: Int = 50): [Conversation!]!
  }

  extend type Mutation {
    "Hand the conversation to a colleague, or to another open channel's queue; the history goes along."
    transferConversation(id: ID!, toUserId: ID, toOpenChannelId: ID, comment: String): Conversation!
    "Take a conversation over from whoever has it."
    takeOverConversation(id: ID!): Conversation!
    "Spam or force stop: closed at once, nothing sent; the client can write again later."
    markConversationSpam(id: ID!): Conversation!
    "Invite a colleague; without history they see only what is written from now on."
    inviteToConversation(id: ID!, userId: ID!, withHistory: Boolean = true): Conversation!
    leaveConversation(id: ID!): Boolean!
    setConversationSilent(id: ID!, silent: Boolean!): Conversation!
    "Lock as mine for a while (1 minute to 7 days): no auto-close, no takeover by routing."
    pinConversation(id: ID!, minutes: Int!): Conversation!
    unpinConversation(id: ID!): Conversation!
    renameConversation(id: ID!, title: String!): Conversation!
    "Change the text of your message; the client's copy changes where the channel can edit."
    editMessage(id: ID!, body: String!): Message!
    "Delete your message; the client's copy is withdrawn where the channel can delete."
    deleteMessage(id: ID!): Message!
    "Close the conversation and continue in a new one that starts with this message and holds everything after it."
    splitConversationAt(messageId: ID!): Conversation!
  }

  extend type Subscription {
    "Messages edited or deleted in conversations the user may see."
    messageChanged(conversationId: ID): Message!
  }
`

const maxPinMinutes = 7 * 24 * 60
const maxTitle = 200
const maxComment = 2000
const maxBody = 65_536
const qualified = conversationColumns.split(', ').map(c => 'c.' + c).join(', ')

const invalid = (path: string, message: string): OpenlineError => new OpenlineError(errorCodes.validation, `Invalid ${path.slice(1)}: ${message}`, { fields: [{ path, message }] })
const notFound = (what = 'Conversation'): OpenlineError => new OpenlineError(errorCodes.notFound, `${what} not found`, { statusCode: 404 })
const forbidden = (message: string): OpenlineError => new OpenlineError(errorCodes.forbidden, message, { statusCode: 403 })
const conflict = (message: string): OpenlineError => new OpenlineError(errorCodes.conflict, message, { statusCode: 409 })

type ConversationRow = ReturnType<typeof toConversationRecord>

/** The conversation, locked, if the user may see it; not found otherwise (existence is not leaked). */
async function lockVisible (tx: Tx, user: AuthUser, id: string): Promise<ConversationRow> {
  const cond = historyCondition(user, 'c')
  const [row] = await tx.query<Record<string, any>>(`select ${qualified} from conversations c where c.id = ? and (${cond.sql}) for update of c`, [id, ...cond.params])
  if (row === undefined) throw notFound()
  return toConversationRecord(row)
}

/** The assignee or a supervisor (history scope all) runs a conversation. */
function requireManager (user: AuthUser, conversation: ConversationRow): void {
  if (conversation.assigneeId !== user.id && user.permissions.viewHistory !== 'all') throw forbidden('Only the assigned agent or a supervisor may do this')
}

function requireOpen (conversation: ConversationRow): void {
  if (conversation.status === 'closed' || conversation.status === 'closing') throw conflict('The conversation is closed')
}

function changed (core: Core, tx: Tx, conversation: ConversationRow): void {
  tx.afterCommit(() => core.publish(topics.conversations, { conversationUpdated: conversation }))
}

/** A line in the history staff see (transfers, invitations); never delivered. */
async function note (core: Core, tx: Tx, conversationId: string, body: string, meta: Record<string, unknown>): Promise<void> {
  await core.sendMessage({ conversationId, body, authorKind: 'system', visibility: 'internal', meta }, tx)
}

async function activeUser (tx: Tx, id: string, path: string): Promise<{ id: string, name: string }> {
  const [row] = await tx.query<{ id: string, name: string }>('select id::text, name from users where id = ? and active', [checkId(id, path)])
  if (row === undefined) throw invalid(path, 'no active user with this id')
  return row
}

async function userName (tx: Tx, id: string | null): Promise<string> {
  if (id === null) return 'nobody'
  const [row] = await tx.query<{ name: string }>('select name from users where id = ?', [id])
  return row?.name ?? 'a former user'
}

/** Give the conversation to `to` directly (transfer, take over): an explicit decision, so no offer and no limit. */
async function handTo (core: Core, tx: Tx, by: AuthUser, conversation: ConversationRow, to: { id: string, name: string }, comment: string | null, action: 'transfer' | 'takeOver'): Promise<ConversationRow> {
  if (conversation.assigneeId === to.id) throw conflict(`${to.name} already has this conversation`)
  const previous = conversation.assigneeId
  const [row] = await tx.query<Record<string, any>>(
    `update conversations c set assignee_id = ?, status = 'assigned', assigned_at = clock_timestamp(), accepted_at = now(), waiting_reason = null, updated_at = now()
      where c.id = ? returning ${qualified}`, [to.id, conversation.id])
  if (previous !== null) await tx.query("update conversation_participants set role = 'observer', left_at = now() where conversation_id = ? and user_id = ?", [conversation.id, previous])
  await tx.query(`insert into conversation_participants (conversation_id, user_id, role) values (?, ?, 'assignee')
                  on conflict (conversation_id, user_id) do update set role = 'assignee', left_at = null, sees_history = true`, [conversation.id, to.id])
  const withdrawn = await tx.query<{ user_id: string }>("update conversation_offers set state = 'withdrawn', closed_at = now() where conversation_id = ? and state = 'open' returning user_id::text", [conversation.id])
  await tx.cancelTimers(`offer:${conversation.id}`)
  const from = await userName(tx, previous)
  const text = action === 'takeOver'
    ? (previous === null ? `${by.name} took the conversation` : `${by.name} took the conversation over from ${from}`)
    : (previous === null ? `${by.name} gave the conversation to ${to.name}` : `${by.name} transferred the conversation from ${from} to ${to.name}`)
  await note(core, tx, conversation.id, comment === null ? text : `${text}: ${comment}`, { action, fromUserId: previous, toUserId: to.id, byUserId: by.id })
  const updated = toConversationRecord(row)
  tx.emit(coreEvents.conversationAssigned, { conversationId: updated.id, openChannelId: updated.openChannelId, assigneeId: to.id, previousAssigneeId: previous })
  if (conversation.status !== 'assigned') tx.emit(coreEvents.conversationStatusChanged, { conversationId: updated.id, openChannelId: updated.openChannelId, from: conversation.status, to: 'assigned' })
  tx.afterCommit(async () => {
    for (const w of withdrawn) await core.publish(topics.offers, { offerChanged: { conversationId: updated.id, userId: w.user_id, state: 'withdrawn' } })
    await core.publish(topics.offers, { offerChanged: { conversationId: updated.id, userId: to.id, state: 'accepted' } })
  })
  changed(core, tx, updated)
  return updated
}

/** Back into another open channel's queue; its strategy decides who gets it. */
async function moveToOpenChannel (core: Core, tx: Tx, by: AuthUser, conversation: ConversationRow, openChannelId: string, comment: string | null): Promise<ConversationRow> {
  const [channel] = await tx.query<{ id: string, name: string, active: boolean }>('select id::text, name, active from open_channels where id = ?', [checkId(openChannelId, '/toOpenChannelId')])
  if (channel === undefined) throw invalid('/toOpenChannelId', 'no open channel with this id')
  if (!channel.active) throw invalid('/toOpenChannelId', 'the open channel is inactive')
  if (channel.id === conversation.openChannelId) throw invalid('/toOpenChannelId', 'the conversation is already in this open channel')
  const previous = conversation.assigneeId
  const [row] = await tx.query<Record<string, any>>(
    `update conversations c set open_channel_id = ?, assignee_id = null, status = 'queued', queued_at = now(), assigned_at = null, accepted_at = null, waiting_reason = null, updated_at = now()
      where c.id = ? returning ${qualified}`, [channel.id, conversation.id])
  if (previous !== null) await tx.query("update conversation_participants set role = 'observer', left_at = now() where conversation_id = ? and user_id = ?", [conversation.id, previous])
  const withdrawn = await tx.query<{ user_id: string }>("update conversation_offers set state = 'withdrawn', closed_at = now() where conversation_id = ? and state = 'open' returning user_id::text", [conversation.id])
  await tx.cancelTimers(`offer:${conversation.id}`)
  const text = `${by.name} transferred the conversation to the open channel ${channel.name}`
  await note(core, tx, conversation.id, comment === null ? text : `${text}: ${comment}`, { action: 'transfer', fromOpenChannelId: conversation.openChannelId, toOpenChannelId: channel.id, byUserId: by.id })
  const updated = toConversationRecord(row)
  if (previous !== null) tx.emit(coreEvents.conversationAssigned, { conversationId: updated.id, openChannelId: updated.openChannelId, assigneeId: null, previousAssigneeId: previous })
  if (conversation.status !== 'queued') tx.emit(coreEvents.conversationStatusChanged, { conversationId: updated.id, openChannelId: updated.openChannelId, from: conversation.status, to: 'queued' })
  tx.afterCommit(async () => {
    for (const w of withdrawn) await core.publish(topics.offers, { offerChanged: { conversationId: updated.id, userId: w.user_id, state: 'withdrawn' } })
    core.routing.requestRoute(channel.id)
  })
  changed(core, tx, updated)
  return updated
}

function optionalText (value: unknown, path: string, max: number): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string' || value.length > max) throw invalid(path, `at most ${max} characters`)
  const trimmed = value.trim()
  return trimmed === '' ? null : trimmed
}

/** An agent's own, not deleted message, locked with its conversation. */
async function ownMessage (tx: Tx, user: AuthUser, id: string): Promise<{ message: ReturnType<typeof toMessageRecord>, conversation: ConversationRow }> {
  const [row] = await tx.query<Record<string, any>>(`select ${messageColumns} from messages where id = ? for update`, [checkId(id, '/id')])
  if (row === undefined) throw notFound('Message')
  const conversation = await lockVisible(tx, user, String(row.conversation_id)).catch(() => { throw notFound('Message') })
  const message = toMessageRecord(row)
  if (message.authorKind !== 'agent' || message.authorUserId !== user.id) throw forbidden('You can change only your own messages')
  if (message.deletedAt !== null) throw conflict('The message was deleted')
  return { message, conversation }
}

/**
 * A delivered public message changed: the connector updates the client's copy through the outbox
 * (retries, idempotency) when it can; a message not yet sent simply goes out as it is now.
 */
async function propagate (core: Core, tx: Tx, message: ReturnType<typeof toMessageRecord>, action: 'edit' | 'delete'): Promise<void> {
  if (message.visibility !== 'public' || message.connectionId === null) return
  // SKIP LOCKED: a send the delivery worker holds is in flight (it locks the outbox row, then the
  // message); waiting for it here, with the message locked, would deadlock.
  if (action === 'delete') {
    const cancelled = await tx.query(`update outbox set status = 'failed', last_error = 'deleted before delivery'
                                        where id in (select id from outbox where message_id = ? and action = 'send' and status = 'pending' for update skip locked) returning id`, [message.id])
    if (cancelled.length > 0) {
      await tx.query("update messages set delivery_status = 'none' where id = ?", [message.id])
      return
    }
  }
  // Not yet sent and nothing in flight: the send (if any) takes the message as it is now.
  const inFlight = await tx.query("select 1 from outbox where message_id = ? and action = 'send' and status = 'pending'", [message.id])
  if (message.externalId === null && inFlight.length === 0) return
  const [o] = await tx.query<{ id: string }>('insert into outbox (message_id, action) values (?, ?) returning id::text', [message.id, action])
  tx.afterCommit(() => core.enqueueDelivery(o.id))
}

function messageChangedLater (core: Core, tx: Tx, message: ReturnType<typeof toMessageRecord>, change: 'edited' | 'deleted', byUserId: string): void {
  tx.emit(coreEvents.messageChanged, { messageId: message.id, conversationId: message.conversationId, change, byUserId })
  tx.afterCommit(() => core.publish(topics.messages, { messageChanged: message }))
}

export function conversationActions (core: Core): GraphQLExtension {
  const run = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => core.transaction(fn)
  const execute = (sql: string, params: unknown[]): Promise<Record<string, any>[]> => (core.orm.em.fork() as any).execute(sql, params)
  const pageSize = (value: unknown): number => {
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 200) throw invalid('/first', 'must be 1–200')
    return value as number
  }

  // List fields: one query per response, not one per row (a page of 50 conversations or messages).
  const inList = (keys: string[]): string => keys.map(() => '?').join(', ')
  const connectorOf = perRequestBatch(async (ids) => new Map((await execute(`select id::text, connector from channel_connections where id in (${inList(ids)})`, ids)).map(r => [r.id, r.connector as string])))
  const userNameOf = perRequestBatch(async (ids) => new Map((await execute(`select id::text, name from users where id in (${inList(ids)})`, ids)).map(r => [r.id, r.name as string])))
  const previewOf = perRequestBatch(async (ids) => new Map((await execute(
    `select distinct on (conversation_id) conversation_id::text, body from messages
      where conversation_id in (${inList(ids)}) and visibility = 'public' and deleted_at is null
      order by conversation_id, coalesce(sent_at, created_at) desc, id desc`, ids)).map(r => [r.conversation_id, String(r.body).slice(0, 200)])))
  const participantsOf = perRequestBatch(async (ids) => {
    const rows = await execute(`select p.conversation_id::text, p.user_id::text, u.name, p.role, p.sees_history, p.joined_at, p.left_at
                                  from conversation_participants p join users u on u.id = p.user_id where p.conversation_id in (${inList(ids)}) order by p.joined_at`, ids)
    const byConversation = new Map<string, Record<string, unknown>[]>()
    for (const r of rows) {
      const list = byConversation.get(r.conversation_id) ?? []
      list.push({ userId: r.user_id, name: r.name, role: r.role, seesHistory: r.sees_history, joinedAt: r.joined_at, leftAt: r.left_at })
      byConversation.set(r.conversation_id, list)
    }
    return byConversation
  })

  return {
    typeDefs,
    resolvers: {
      Conversation: {
        connector: (conv: { connectionId: string | null }, _: unknown, ctx: object) => conv.connectionId === null ? null : connectorOf(ctx, conv.connectionId).then(v => v ?? null),
        participants: (conv: { id: string }, _: unknown, ctx: object) => participantsOf(ctx, conv.id).then(v => v ?? []),
        async silent (conv: { id: string, silent?: boolean }) {
          if (conv.silent !== undefined) return conv.silent
          const [row] = await execute('select silent from conversations where id = ?', [conv.id])
          return row?.silent === true
        },
        async pinnedById (conv: { id: string, pinnedById?: string | null }) {
          if (conv.pinnedById !== undefined) return conv.pinnedById
          const [row] = await execute('select pinned_by_id::text from conversations where id = ?', [conv.id])
          return row?.pinned_by_id ?? null
        },
        preview: (conv: { id: string }, _: unknown, ctx: object) => previewOf(ctx, conv.id).then(v => v ?? null),
        awaitingReply: (conv: { status: string, lastClientMessageAt: Date | null, lastAgentMessageAt: Date | null }) =>
          ['queued', 'assigned', 'bot'].includes(conv.status) && conv.lastClientMessageAt !== null &&
          (conv.lastAgentMessageAt === null || conv.lastAgentMessageAt < conv.lastClientMessageAt),
        closeReason: (conv: { closeReason?: string | null }) => conv.closeReason ?? null
      },
      Message: {
        authorName: (message: { authorUserId: string | null }, _: unknown, ctx: object) => message.authorUserId === null ? null : userNameOf(ctx, message.authorUserId).then(v => v ?? null),
        connector: (message: { connectionId: string | null }, _: unknown, ctx: object) => message.connectionId === null ? null : connectorOf(ctx, message.connectionId).then(v => v ?? null)
      },
      Query: {
        async unansweredConversations (_: unknown, args: { openChannelId?: string, first: number }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          const first = pageSize(args.first)
          const cond = historyCondition(user, 'c')
          const params: unknown[] = [...cond.params]
          let channel = ''
          if (args.openChannelId !== undefined && args.openChannelId !== null) { channel = 'and c.open_channel_id = ?'; params.push(checkId(args.openChannelId, '/openChannelId')) }
          const rows = await execute(`select ${qualified} from conversations c
             where c.status in ('queued', 'assigned') and c.last_client_message_at is not null
               and (c.last_agent_message_at is null or c.last_agent_message_at < c.last_client_message_at)
               and (${cond.sql}) ${channel}
             order by c.last_client_message_at, c.id limit ${first}`, params)
          return rows.map(toConversationRecord)
        },
        async clientConversations (_: unknown, args: { clientId: string, first: number }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          const first = pageSize(args.first)
          const cond = historyCondition(user, 'c')
          const rows = await execute(`select ${qualified} from conversations c where c.client_id = ? and (${cond.sql}) order by c.created_at desc, c.id desc limit ${first}`,
            [checkId(args.clientId, '/clientId'), ...cond.params])
          return rows.map(toConversationRecord)
        }
      },
      Mutation: {
        async transferConversation (_: unknown, args: { id: string, toUserId?: string | null, toOpenChannelId?: string | null, comment?: string | null }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          const toUser = args.toUserId ?? null
          const toChannel = args.toOpenChannelId ?? null
          if ((toUser === null) === (toChannel === null)) throw invalid('/toUserId', 'give either toUserId or toOpenChannelId')
          const comment = optionalText(args.comment, '/comment', maxComment)
          return run(async (tx) => {
            const conversation = await lockVisible(tx, user, checkId(args.id, '/id'))
            requireOpen(conversation)
            requireManager(user, conversation)
            if (toUser !== null) return handTo(core, tx, user, conversation, await activeUser(tx, toUser, '/toUserId'), comment, 'transfer')
            return moveToOpenChannel(core, tx, user, conversation, toChannel as string, comment)
          })
        },
        async takeOverConversation (_: unknown, args: { id: string }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          return run(async (tx) => {
            const conversation = await lockVisible(tx, user, checkId(args.id, '/id'))
            requireOpen(conversation)
            return handTo(core, tx, user, conversation, { id: user.id, name: user.name }, null, 'takeOver')
          })
        },
        async markConversationSpam (_: unknown, args: { id: string }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          const id = checkId(args.id, '/id')
          return run(async (tx) => {
            const conversation = await lockVisible(tx, user, id)
            requireOpen(conversation)
            requireManager(user, conversation)
            await note(core, tx, id, `${user.name} marked the conversation as spam`, { action: 'spam', byUserId: user.id })
            return core.routing.close(user, id, closeReasons.spam, tx)
          })
        },
        async inviteToConversation (_: unknown, args: { id: string, userId: string, withHistory: boolean }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          return run(async (tx) => {
            const conversation = await lockVisible(tx, user, checkId(args.id, '/id'))
            requireOpen(conversation)
            requireManager(user, conversation)
            const guest = await activeUser(tx, args.userId, '/userId')
            if (guest.id === conversation.assigneeId) throw invalid('/userId', 'this user already has the conversation')
            const rows = await tx.query(`insert into conversation_participants (conversation_id, user_id, role, sees_history) values (?, ?, 'invited', ?)
                                          on conflict (conversation_id, user_id) do update set role = 'invited', left_at = null, sees_history = excluded.sees_history or conversation_participants.sees_history
                                          returning user_id`, [conversation.id, guest.id, args.withHistory !== false])
            if (rows.length === 0) throw conflict('Could not invite')
            await note(core, tx, conversation.id, `${user.name} invited ${guest.name}${args.withHistory === false ? ' (without the history)' : ''}`, { action: 'invite', userId: guest.id, byUserId: user.id, withHistory: args.withHistory !== false })
            const [row] = await tx.query<Record<string, any>>(`update conversations c set updated_at = now() where c.id = ? returning ${qualified}`, [conversation.id])
            const updated = toConversationRecord(row)
            changed(core, tx, updated)
            return updated
          })
        },
        async leaveConversation (_: unknown, args: { id: string }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          return run(async (tx) => {
            const conversation = await lockVisible(tx, user, checkId(args.id, '/id'))
            if (conversation.assigneeId === user.id) throw conflict('Transfer or close the conversation instead: it is assigned to you')
            const rows = await tx.query("update conversation_participants set left_at = now() where conversation_id = ? and user_id = ? and role = 'invited' and left_at is null returning user_id", [conversation.id, user.id])
            if (rows.length === 0) throw conflict('You are not invited to this conversation')
            await note(core, tx, conversation.id, `${user.name} left the conversation`, { action: 'leave', userId: user.id })
            changed(core, tx, conversation)
            return true
          })
        },
        async setConversationSilent (_: unknown, args: { id: string, silent: boolean }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          return run(async (tx) => {
            const conversation = await lockVisible(tx, user, checkId(args.id, '/id'))
            requireManager(user, conversation)
            const [row] = await tx.query<Record<string, any>>(`update conversations c set silent = ?, updated_at = now() where c.id = ? returning ${qualified}`, [args.silent === true, conversation.id])
            if (conversation.silent !== (args.silent === true)) await note(core, tx, conversation.id, `${user.name} turned silent mode ${args.silent === true ? 'on' : 'off'}`, { action: 'silent', silent: args.silent === true, byUserId: user.id })
            const updated = toConversationRecord(row)
            changed(core, tx, updated)
            return updated
          })
        },
        async pinConversation (_: unknown, args: { id: string, minutes: number }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          if (!Number.isInteger(args.minutes) || args.minutes < 1 || args.minutes > maxPinMinutes) throw invalid('/minutes', `must be 1–${maxPinMinutes}`)
          return run(async (tx) => {
            const conversation = await lockVisible(tx, user, checkId(args.id, '/id'))
            requireOpen(conversation)
            requireManager(user, conversation)
            const [row] = await tx.query<Record<string, any>>(
              `update conversations c set pinned_until = now() + make_interval(mins => ?), pinned_by_id = ?, updated_at = now() where c.id = ? returning ${qualified}`, [args.minutes, user.id, conversation.id])
            const updated = toConversationRecord(row)
            changed(core, tx, updated)
            return updated
          })
        },
        async unpinConversation (_: unknown, args: { id: string }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          return run(async (tx) => {
            const conversation = await lockVisible(tx, user, checkId(args.id, '/id'))
            if (conversation.pinnedById !== user.id) requireManager(user, conversation)
            const [row] = await tx.query<Record<string, any>>(`update conversations c set pinned_until = null, pinned_by_id = null, updated_at = now() where c.id = ? returning ${qualified}`, [conversation.id])
            const updated = toConversationRecord(row)
            changed(core, tx, updated)
            return updated
          })
        },
        async renameConversation (_: unknown, args: { id: string, title: string }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          const title = optionalText(args.title, '/title', maxTitle)
          if (title === null) throw invalid('/title', 'must not be empty')
          return run(async (tx) => {
            const conversation = await lockVisible(tx, user, checkId(args.id, '/id'))
            const [row] = await tx.query<Record<string, any>>(`update conversations c set title = ?, updated_at = now() where c.id = ? returning ${qualified}`, [title, conversation.id])
            const updated = toConversationRecord(row)
            changed(core, tx, updated)
            return updated
          })
        },
        async editMessage (_: unknown, args: { id: string, body: string }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          if (typeof args.body !== 'string' || args.body.length > maxBody) throw invalid('/body', `at most ${maxBody} characters`)
          return run(async (tx) => {
            const { message } = await ownMessage(tx, user, args.id)
            if (args.body.trim() === '' && message.attachments.length === 0) throw invalid('/body', 'a message needs text or an attachment')
            if (args.body === message.body) return message
            const [row] = await tx.query<Record<string, any>>(`update messages set body = ?, edited_at = now() where id = ? returning ${messageColumns}`, [args.body, message.id])
            const edited = toMessageRecord(row)
            await propagate(core, tx, edited, 'edit')
            messageChangedLater(core, tx, edited, 'edited', user.id)
            return edited
          })
        },
        async deleteMessage (_: unknown, args: { id: string }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          return run(async (tx) => {
            const { message } = await ownMessage(tx, user, args.id)
            const [row] = await tx.query<Record<string, any>>(`update messages set deleted_at = now() where id = ? returning ${messageColumns}`, [message.id])
            const deleted = toMessageRecord(row)
            await propagate(core, tx, deleted, 'delete')
            messageChangedLater(core, tx, deleted, 'deleted', user.id)
            return deleted
          })
        },
        async splitConversationAt (_: unknown, args: { messageId: string }, ctx: AgentGraphQLContext) {
          const user = ctx.requireUser()
          return run(async (tx) => {
            const [m] = await tx.query<Record<string, any>>('select id::text, conversation_id::text, coalesce(sent_at, created_at) as at from messages where id = ?', [checkId(args.messageId, '/messageId')])
            if (m === undefined) throw notFound('Message')
            const conversation = await lockVisible(tx, user, m.conversation_id).catch(() => { throw notFound('Message') })
            requireOpen(conversation)
            requireManager(user, conversation)
            const [first] = await tx.query<{ id: string }>('select id::text from messages where conversation_id = ? order by coalesce(sent_at, created_at), id limit 1', [conversation.id])
            if (first?.id === m.id) throw invalid('/messageId', 'the conversation already starts with this message')
            // The old one closes first: an identity has one open conversation at a time.
            const closed = await core.routing.close(user, conversation.id, closeReasons.split, tx)
            const [created] = await tx.query<Record<string, any>>(
              `insert into conversations (open_channel_id, connection_id, client_id, client_identity_id, status, assignee_id, queued_at, assigned_at, accepted_at, title, created_at, updated_at)
               values (?, ?, ?, ?, ?, ?, now(), ?, ?, null, now(), now()) returning id::text`,
              [conversation.openChannelId, conversation.connectionId, conversation.clientId, conversation.clientIdentityId,
                conversation.assigneeId === null ? 'queued' : 'assigned', conversation.assigneeId, conversation.assigneeId === null ? null : new Date(), conversation.assigneeId === null ? null : new Date()])
            await tx.query(`update messages set conversation_id = ? where conversation_id = ? and (coalesce(sent_at, created_at), id) >= (?::timestamptz, ?::bigint)`, [created.id, conversation.id, m.at, m.id])
            const recount = `update conversations c set message_count = (select count(*) from messages where conversation_id = c.id),
                               last_client_message_at = (select max(coalesce(sent_at, created_at)) from messages where conversation_id = c.id and author_kind = 'client'),
                               last_agent_message_at = (select max(coalesce(sent_at, created_at)) from messages where conversation_id = c.id and author_kind = 'agent' and visibility = 'public')
                             where c.id = ? returning ${qualified}`
            await tx.query(recount, [conversation.id])
            const [row] = await tx.query<Record<string, any>>(recount, [created.id])
            if (conversation.assigneeId !== null) {
              await tx.query("insert into conversation_participants (conversation_id, user_id, role) values (?, ?, 'assignee')", [created.id, conversation.assigneeId])
            }
            await note(core, tx, created.id, `${user.name} continued conversation #${conversation.id} here`, { action: 'split', fromConversationId: conversation.id, byUserId: user.id })
            await note(core, tx, closed.id, `${user.name} moved the messages from here on to conversation #${created.id}`, { action: 'split', toConversationId: created.id, byUserId: user.id })
            const next = toConversationRecord(row)
            tx.emit(coreEvents.conversationOpened, { conversationId: next.id, openChannelId: next.openChannelId, clientId: next.clientId, firstContact: false })
            if (next.assigneeId !== null) tx.emit(coreEvents.conversationAssigned, { conversationId: next.id, openChannelId: next.openChannelId, assigneeId: next.assigneeId, previousAssigneeId: null })
            else tx.afterCommit(() => core.routing.requestRoute(next.openChannelId))
            changed(core, tx, next)
            return next
          })
        }
      },
      Subscription: {
        messageChanged: {
          subscribe: withFilter(
            (_: unknown, _args: { conversationId?: string | null }, ctx: any) => {
              if (ctx.user == null) throw new OpenlineError(errorCodes.unauthenticated, 'Sign in first')
              return ctx.pubsub.subscribe(topics.messages)
            },
            async (payload: { messageChanged?: { conversationId: string } }, args: { conversationId?: string | null }, ctx: any) => {
              const m = payload.messageChanged
              if (m === undefined) return false
              if (args.conversationId != null && args.conversationId !== m.conversationId) return false
              return canSeeFeedItem(core, ctx.user, m.conversationId)
            })
        }
      }
    }
  }
}
