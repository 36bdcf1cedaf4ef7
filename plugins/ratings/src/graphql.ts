// Staff API: the rating on every conversation (batched per request), asking during the
// conversation (F2), the supervisor's stars (F3) and the `conversationRated` push.
import { OpenlineError, errorCodes, isId, perRequestBatch, type AgentContext, type AuthUser, type GraphQLExtension, type Id, type PluginContext } from '@openline/sdk'
import { loadRatings, recordStars, clientRated, type ConversationRating, type Query } from './store.ts'
import { loadScene } from './scene.ts'
import { sendQuestion } from './ask.ts'
import { ratingEvents, ratedTopic } from './events.ts'

export const maxCommentLength = 2000

export const typeDefs = /* GraphQL */ `
  enum ClientRatingValue { like dislike }

  "The client's answer to the rating question (F1, F2)."
  type ClientRating {
    value: ClientRatingValue!
    "When the answer arrived."
    at: DateTime!
    "button (the question's 👍/👎 buttons) or text (a typed 1/2 where the channel shows no buttons)."
    source: String!
  }

  "A supervisor's rating of the conversation (F3); editable, the latest author and time are kept."
  type SupervisorRating {
    stars: Int!
    comment: String
    byUserId: ID
    byName: String
    at: DateTime!
  }

  type ConversationRating {
    conversationId: ID!
    "When the client was last asked; null if never."
    askedAt: DateTime
    "After this the client's answer is ignored; null without a time limit."
    expiresAt: DateTime
    client: ClientRating
    supervisor: SupervisorRating
  }

  extend type Conversation {
    "Null until the client is asked or someone rates the conversation."
    rating: ConversationRating
  }

  extend type Mutation {
    "F2: send the rating question now (the open channel's quality settings must allow rating during the conversation). Asking again replaces the question."
    askForRating(conversationId: ID!): ConversationRating!
    "F3: rate a conversation with 1–5 stars and a comment (at most ${maxCommentLength} characters). Users who see every conversation (viewHistory all) only."
    rateConversation(conversationId: ID!, stars: Int!, comment: String): ConversationRating!
  }

  extend type Subscription {
    "A conversation you may see was rated by its client or a supervisor; one conversation when conversationId is given."
    conversationRated(conversationId: ID): ConversationRating!
  }
`

interface SubscriptionContext extends AgentContext {
  pubsub: { subscribe: (topic: string) => Promise<AsyncIterable<unknown>> }
}

function invalid (message: string, path: string, detail: string): OpenlineError {
  return new OpenlineError(errorCodes.validation, message, { fields: [{ path, message: detail }] })
}

function conversationId (value: unknown): Id {
  if (!isId(value)) throw invalid('Invalid conversation id', '/conversationId', 'Expected an id')
  return value
}

/** F3 input: every problem at once, as field errors. */
export function checkStars (stars: unknown, comment: unknown): { stars: number, comment: string | null } {
  const fields: { path: string, message: string }[] = []
  if (!Number.isInteger(stars) || (stars as number) < 1 || (stars as number) > 5) fields.push({ path: '/stars', message: 'Must be a whole number from 1 to 5' })
  if (comment !== undefined && comment !== null && (typeof comment !== 'string' || comment.length > maxCommentLength)) fields.push({ path: '/comment', message: `At most ${maxCommentLength} characters` })
  if (fields.length > 0) throw new OpenlineError(errorCodes.validation, 'Invalid rating', { fields })
  const text = typeof comment === 'string' ? comment.trim() : ''
  return { stars: stars as number, comment: text === '' ? null : text }
}

/** Pushes of `source` the subscriber may see; `return` reaches the source at once so an unsubscribe frees it. */
function visibleOnly (source: AsyncIterable<unknown>, keep: (payload: { conversationRated: ConversationRating }) => Promise<boolean>): AsyncIterableIterator<unknown> {
  const upstream = source[Symbol.asyncIterator]()
  const iterator: AsyncIterableIterator<unknown> = {
    async next () {
      for (let item = await upstream.next(); item.done !== true; item = await upstream.next()) {
        if (await keep(item.value as { conversationRated: ConversationRating }).catch(() => false)) return item
      }
      return { done: true, value: undefined }
    },
    async return () {
      await upstream.return?.()
      return { done: true, value: undefined }
    },
    [Symbol.asyncIterator]: () => iterator
  }
  return iterator
}

export function ratingsGraphQL (ctx: PluginContext<any>): GraphQLExtension {
  const read: Query = async (sql, params = []) => await ctx.em().getConnection().execute(sql, params, 'all')
  const ratingOf = perRequestBatch(ids => loadRatings(read, ids))
  const fresh = async (id: Id): Promise<ConversationRating> =>
    (await loadRatings(read, [id])).get(id) ?? { conversationId: id, askedAt: null, expiresAt: null, client: null, supervisor: null }

  async function ask (user: AuthUser, id: Id): Promise<ConversationRating> {
    const visible = await ctx.conversations.visibleTo(user, id)
    await ctx.transaction(async (tx) => {
      const scene = await loadScene(tx, ctx, visible.id)
      if (scene === null) throw new OpenlineError(errorCodes.notFound, 'Conversation not found', { statusCode: 404 })
      if (!scene.settings.duringConversation) throw new OpenlineError(errorCodes.conflict, 'Rating during the conversation is off for this open channel', { statusCode: 409 })
      if (scene.conversation.status !== 'queued' && scene.conversation.status !== 'assigned') throw new OpenlineError(errorCodes.conflict, 'The conversation is not open', { statusCode: 409 })
      if (await clientRated(tx, visible.id)) throw new OpenlineError(errorCodes.conflict, 'The client has already rated this conversation', { statusCode: 409 })
      await sendQuestion(tx, ctx, scene, 'during')
    })
    return fresh(visible.id)
  }

  async function rate (user: AuthUser, id: Id, stars: unknown, comment: unknown): Promise<ConversationRating> {
    if (user.permissions.viewHistory !== 'all') throw new OpenlineError(errorCodes.forbidden, 'Only users who see every conversation may rate conversations', { statusCode: 403 })
    const input = checkStars(stars, comment)
    const visible = await ctx.conversations.visibleTo(user, id)
    await ctx.transaction(async (tx) => {
      await recordStars(tx, { conversationId: visible.id, stars: input.stars, comment: input.comment, userId: user.id })
      tx.emit(ratingEvents.supervisorRated, { conversationId: visible.id, openChannelId: visible.openChannelId, stars: input.stars, byUserId: user.id })
    })
    const rating = await fresh(visible.id)
    await ctx.publish(ratedTopic, { conversationRated: rating })
    return rating
  }

  return {
    typeDefs,
    resolvers: {
      Conversation: {
        // The core resolved (and permission-checked) the conversation; a whole list shares one query.
        rating: async (conversation: { id: string }, _args: unknown, context: AgentContext) => (await ratingOf(context, conversation.id)) ?? null
      },
      Mutation: {
        askForRating: async (_: unknown, args: { conversationId: string }, context: AgentContext) => ask(context.requireUser(), conversationId(args.conversationId)),
        rateConversation: async (_: unknown, args: { conversationId: string, stars: number, comment?: string | null }, context: AgentContext) =>
          rate(context.requireUser(), conversationId(args.conversationId), args.stars, args.comment)
      },
      Subscription: {
        conversationRated: {
          subscribe: async (_: unknown, args: { conversationId?: string | null }, context: SubscriptionContext) => {
            const user = context.requireUser()
            const only = args.conversationId ?? null
            if (only !== null) await ctx.conversations.visibleTo(user, conversationId(only))
            const source = await context.pubsub.subscribe(ratedTopic)
            return visibleOnly(source, async ({ conversationRated }) => {
              if (only !== null && conversationRated.conversationId !== only) return false
              await ctx.conversations.visibleTo(user, conversationRated.conversationId)
              return true
            })
          }
        }
      }
    }
  }
}
