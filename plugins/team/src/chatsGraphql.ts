// Staff chats in the agent API. Only current members see or touch a chat; to anyone else it does
// not exist (OL_NOT_FOUND), so ids cannot be probed. Nothing here writes to a conversation.
import { OpenlineError, errorCodes, type AgentContext, type AuthUser, type PluginContext, type Resolvers, type Tx } from '@openline/sdk'
import { reader, type Query } from './db.ts'
import { checkBody, checkId, checkTitle, decodeCursor, encodeCursor, invalid, limits, notFound, optionalBody, pageSize } from './input.ts'
import { addMember, chatsOf, countMembers, insertChat, insertMessage, isMember, markRead, messageById, messagePage, removeMember, updateMessageBody, type Chat } from './chats.ts'
import { quotableMessage, storeQuote } from './quotes.ts'
import { conversationStaff, requireActiveUsers } from './users.ts'
import { filtered, mapped, topics, type SubscriptionContext } from './live.ts'

type Args = Record<string, unknown>

export function chatResolvers (ctx: PluginContext<any>): Resolvers {
  const read = reader(ctx)

  async function requireMember (query: Query, chatId: string, user: AuthUser): Promise<void> {
    if (!await isMember(query, chatId, user.id)) throw notFound('Staff chat')
  }

  /** The chat as `user` sees it (after a commit, so it shows what was just written). */
  async function chatFor (user: AuthUser, chatId: string): Promise<Chat> {
    const [chat] = await chatsOf(read, user.id, { only: [chatId], limit: 1 })
    if (chat === undefined) throw notFound('Staff chat')
    return chat
  }

  function publishLater (tx: Tx, chatId: string, payload: Record<string, unknown>): void {
    tx.afterCommit(() => ctx.publish(topics.chat(chatId), payload))
  }

  /**
   * Tell each colleague `by` put in the chat, on their own topic, after commit. The push names the
   * chat only: each subscriber reads it as they see it (unread count) when it arrives.
   */
  function announceAdded (tx: Tx, chatId: string, by: AuthUser, userIds: string[]): void {
    const added = [...new Set(userIds)].filter(id => id !== by.id)
    if (added.length === 0) return
    const payload = { staffChatAdded: { chatId, addedById: by.id, addedByName: by.name } }
    tx.afterCommit(async () => { await Promise.all(added.map(id => ctx.publish(topics.user(id), payload))) })
  }

  /** A live stream of one chat's `field` pushes, for current members only. */
  async function chatStream (args: Args, context: SubscriptionContext, field: string): Promise<AsyncIterable<unknown>> {
    const user = context.requireUser()
    const chatId = checkId(args.chatId, '/chatId')
    await requireMember(read, chatId, user)
    const source = await context.pubsub.subscribe(topics.chat(chatId))
    // Checked on every push: a member who left (or was dismissed) stops receiving at once.
    return filtered(source, async (payload) => payload?.[field] !== undefined && await isMember(read, chatId, user.id))
  }

  return {
    Query: {
      async staffChats (_: unknown, args: Args, context: AgentContext) {
        const user = context.requireUser()
        const first = pageSize(args.first, '/first')
        const after = args.after === undefined || args.after === null ? undefined : decodeCursor(args.after, '/after')
        const chats = await chatsOf(read, user.id, { after, limit: first + 1 })
        const nodes = chats.slice(0, first)
        const last = nodes[nodes.length - 1]
        return { nodes, nextCursor: chats.length > first && last !== undefined ? encodeCursor(last.lastMessageAt, last.id) : null }
      },
      async staffChat (_: unknown, args: Args, context: AgentContext) {
        const user = context.requireUser()
        const [chat] = await chatsOf(read, user.id, { only: [checkId(args.id, '/id')], limit: 1 })
        return chat ?? null
      },
      async staffChatMessages (_: unknown, args: Args, context: AgentContext) {
        const user = context.requireUser()
        const chatId = checkId(args.chatId, '/chatId')
        const last = pageSize(args.last, '/last')
        const before = args.before === undefined || args.before === null ? null : checkId(args.before, '/before')
        await requireMember(read, chatId, user)
        return messagePage(read, chatId, last, before)
      }
    },
    Mutation: {
      async startStaffChat (_: unknown, args: Args, context: AgentContext) {
        const user = context.requireUser()
        const title = checkTitle(args.title)
        if (!Array.isArray(args.memberIds) || args.memberIds.length > limits.memberIds) {
          throw invalid(`At most ${limits.memberIds} members at once`, [{ path: '/memberIds', message: `at most ${limits.memberIds}` }])
        }
        const memberIds = args.memberIds.map((id, i) => checkId(id, `/memberIds/${i}`))
        const chatId = await ctx.transaction(async (tx) => {
          await requireActiveUsers(tx.query, memberIds, i => `/memberIds/${i}`)
          const id = await insertChat(tx.query, { title, createdById: user.id, memberIds })
          announceAdded(tx, id, user, memberIds)
          return id
        })
        return chatFor(user, chatId)
      },
      async startStaffChatFromMessage (_: unknown, args: Args, context: AgentContext) {
        const user = context.requireUser()
        const title = checkTitle(args.title)
        const comment = optionalBody(args.comment, '/comment')
        const { message, conversation } = await quotableMessage(ctx, user, args.messageId, '/messageId')
        const chatId = await ctx.transaction(async (tx) => {
          const staff = await conversationStaff(tx.query, conversation.id, conversation.assigneeId)
          const quoteId = await storeQuote(tx.query, message)
          const id = await insertChat(tx.query, { title, createdById: user.id, memberIds: staff, sourceConversationId: conversation.id, sourceMessageId: message.id })
          await insertMessage(tx.query, { chatId: id, authorId: user.id, body: comment ?? '', quoteId })
          announceAdded(tx, id, user, staff)
          return id
        })
        return chatFor(user, chatId)
      },
      async postStaffChatMessage (_: unknown, args: Args, context: AgentContext) {
        const user = context.requireUser()
        const chatId = checkId(args.chatId, '/chatId')
        const body = checkBody(args.body, '/body')
        return ctx.transaction(async (tx) => {
          await requireMember(tx.query, chatId, user)
          const message = await insertMessage(tx.query, { chatId, authorId: user.id, body })
          publishLater(tx, chatId, { staffChatMessageAdded: message })
          return message
        })
      },
      async editStaffChatMessage (_: unknown, args: Args, context: AgentContext) {
        const user = context.requireUser()
        const id = checkId(args.id, '/id')
        const body = checkBody(args.body, '/body')
        return ctx.transaction(async (tx) => {
          const message = await messageById(tx.query, id)
          if (message === null || !await isMember(tx.query, message.chatId, user.id)) throw notFound('Staff chat message')
          if (message.authorId !== user.id) throw new OpenlineError(errorCodes.forbidden, 'Only the author may edit a message', { statusCode: 403 })
          const edited = await updateMessageBody(tx.query, id, body)
          publishLater(tx, edited.chatId, { staffChatMessageEdited: edited })
          return edited
        })
      },
      async addStaffChatMember (_: unknown, args: Args, context: AgentContext) {
        const user = context.requireUser()
        const chatId = checkId(args.chatId, '/chatId')
        const userId = checkId(args.userId, '/userId')
        await ctx.transaction(async (tx) => {
          await requireMember(tx.query, chatId, user)
          await requireActiveUsers(tx.query, [userId], () => '/userId')
          if (await countMembers(tx.query, chatId) >= limits.members) {
            throw new OpenlineError(errorCodes.limitReached, `A staff chat has at most ${limits.members} members`, { statusCode: 409 })
          }
          // Adding a current member changes nothing, and tells nobody.
          if (await addMember(tx.query, chatId, userId)) announceAdded(tx, chatId, user, [userId])
        })
        return chatFor(user, chatId)
      },
      async leaveStaffChat (_: unknown, args: Args, context: AgentContext) {
        const user = context.requireUser()
        const chatId = checkId(args.chatId, '/chatId')
        const left = await ctx.transaction(tx => removeMember(tx.query, chatId, user.id))
        if (!left) throw notFound('Staff chat')
        return true
      },
      async markStaffChatRead (_: unknown, args: Args, context: AgentContext) {
        const user = context.requireUser()
        const chatId = checkId(args.chatId, '/chatId')
        await ctx.transaction(async (tx) => {
          await requireMember(tx.query, chatId, user)
          await markRead(tx.query, chatId, user.id)
        })
        return chatFor(user, chatId)
      }
    },
    Subscription: {
      staffChatMessageAdded: {
        subscribe: (_: unknown, args: Args, context: SubscriptionContext) => chatStream(args, context, 'staffChatMessageAdded')
      },
      staffChatMessageEdited: {
        subscribe: (_: unknown, args: Args, context: SubscriptionContext) => chatStream(args, context, 'staffChatMessageEdited')
      },
      staffChatAdded: {
        async subscribe (_: unknown, _args: Args, context: SubscriptionContext) {
          const user = context.requireUser()
          const source = await context.pubsub.subscribe(topics.user(user.id))
          // Read at push time: a user who already left the chat (or was dismissed) hears nothing.
          return mapped(source, async (payload) => {
            const added = payload?.staffChatAdded as { chatId: string, addedById: string, addedByName: string } | undefined
            if (added === undefined || !await isMember(read, added.chatId, user.id)) return undefined
            const [chat] = await chatsOf(read, user.id, { only: [added.chatId], limit: 1 })
            return chat === undefined ? undefined : { staffChatAdded: { chat, addedById: added.addedById, addedByName: added.addedByName } }
          })
        }
      }
    }
  }
}
