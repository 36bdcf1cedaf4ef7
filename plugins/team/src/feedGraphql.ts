// The team feed in the agent API: every signed-in (hence active) staff member reads it and posts.
import { OpenlineError, errorCodes, type AgentContext, type MessageRecord, type PluginContext, type Resolvers } from '@openline/sdk'
import { reader } from './db.ts'
import { checkBody, checkId, notFound, optionalBody, pageSize } from './input.ts'
import { deletePost, insertComment, insertPost, postAuthor, postById, postPage, type FeedPost } from './feed.ts'
import { quotableMessage, storeQuote } from './quotes.ts'
import { filtered, topics, type SubscriptionContext } from './live.ts'

type Args = Record<string, unknown>

export function feedResolvers (ctx: PluginContext<any>): Resolvers {
  const read = reader(ctx)

  /** Store a post and announce it once committed. */
  async function publishPost (input: { authorId: string, body: string, quote?: MessageRecord }): Promise<FeedPost> {
    return ctx.transaction(async (tx) => {
      const quoteId = input.quote === undefined ? null : await storeQuote(tx.query, input.quote)
      const id = await insertPost(tx.query, { authorId: input.authorId, body: input.body, quoteId })
      const post = await postById(tx.query, id) as FeedPost
      tx.afterCommit(() => ctx.publish(topics.feed, { feedPostAdded: post }))
      return post
    })
  }

  return {
    Query: {
      async feed (_: unknown, args: Args, context: AgentContext) {
        context.requireUser()
        const first = pageSize(args.first, '/first')
        const after = args.after === undefined || args.after === null ? null : checkId(args.after, '/after')
        return postPage(read, first, after)
      }
    },
    Mutation: {
      async createFeedPost (_: unknown, args: Args, context: AgentContext) {
        const user = context.requireUser()
        return publishPost({ authorId: user.id, body: checkBody(args.body, '/body') })
      },
      async postMessageToFeed (_: unknown, args: Args, context: AgentContext) {
        const user = context.requireUser()
        const comment = optionalBody(args.comment, '/comment')
        const { message } = await quotableMessage(ctx, user, args.messageId, '/messageId')
        return publishPost({ authorId: user.id, body: comment ?? '', quote: message })
      },
      async commentOnFeedPost (_: unknown, args: Args, context: AgentContext) {
        const user = context.requireUser()
        const postId = checkId(args.postId, '/postId')
        const body = checkBody(args.body, '/body')
        await ctx.transaction(async (tx) => {
          if (await postAuthor(tx.query, postId) === null) throw notFound('Post')
          await insertComment(tx.query, { postId, authorId: user.id, body })
        })
        const post = await postById(read, postId)
        if (post === null) throw notFound('Post')
        return post
      },
      async deleteFeedPost (_: unknown, args: Args, context: AgentContext) {
        const user = context.requireUser()
        const id = checkId(args.id, '/id')
        await ctx.transaction(async (tx) => {
          const author = await postAuthor(tx.query, id)
          if (author === null) throw notFound('Post')
          if (author !== user.id && user.permissions.manageUsers !== true) {
            throw new OpenlineError(errorCodes.forbidden, 'Only the author or a user manager may delete a post', { statusCode: 403 })
          }
          await deletePost(tx.query, id)
        })
        return true
      }
    },
    Subscription: {
      feedPostAdded: {
        async subscribe (_: unknown, _args: Args, context: SubscriptionContext) {
          const user = context.requireUser()
          const source = await context.pubsub.subscribe(topics.feed)
          // A dismissed user's open socket must stop receiving the feed.
          return filtered(source, async (payload) => payload?.feedPostAdded !== undefined &&
            (await read('select 1 from users where id = ? and active', [user.id])).length > 0)
        }
      }
    }
  }
}
