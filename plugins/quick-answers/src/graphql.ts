// The staff API of quick answers (E9, K4, K6 "save as quick answer").
import { OpenlineError, errorCodes, type AgentContext, type GraphQLExtension, type PluginContext } from '@openline/sdk'
import { countUse, deleteAnswer, insertAnswer, mayEdit, updateAnswer, visibleAnswer, type QuickAnswer } from './answers.ts'
import { checkAnswer, checkId, emptyAnswer, mergeInput, type AnswerInput } from './input.ts'
import { listAnswers, type ListArgs } from './list.ts'
import { renderAnswer } from './render.ts'
import { valuesFromMessage, type SaveArgs } from './fromMessage.ts'

export const typeDefs = /* GraphQL */ `
  "popular: most used first, then sort order; manual: by category, then sort order."
  enum QuickAnswerOrder { popular manual }

  "A prepared reply (E9). Its text is a Handlebars template: {{clientName}}, {{channelName}}, {{agentName}}."
  type QuickAnswer {
    id: ID!
    "Null: offered in every open channel."
    openChannelId: ID
    title: String
    text: String!
    category: String
    sortOrder: Int!
    "Seen by its author alone."
    personal: Boolean!
    createdById: ID
    usageCount: Int!
    lastUsedAt: DateTime
    createdAt: DateTime!
    updatedAt: DateTime!
    "Whether the signed-in user may change or delete it (its author, or whoever manages open channels)."
    canEdit: Boolean!
  }

  type QuickAnswerPage { nodes: [QuickAnswer!]!, nextCursor: String }

  input CreateQuickAnswerInput {
    "Omitted or null: every open channel."
    openChannelId: ID
    title: String
    "1 to 4000 characters, a valid Handlebars template."
    text: String!
    category: String
    sortOrder: Int = 0
    personal: Boolean = false
  }

  "Only the fields given change; openChannelId: null makes the answer one of every channel."
  input UpdateQuickAnswerInput {
    openChannelId: ID
    title: String
    text: String
    category: String
    sortOrder: Int
    personal: Boolean
  }

  extend type Query {
    "Answers the user sees. With openChannelId: that channel's and every channel's. search: every word in the title or text, ignoring case and accents."
    quickAnswers(openChannelId: ID, search: String, category: String, order: QuickAnswerOrder = popular, first: Int = 50, after: String): QuickAnswerPage!
    quickAnswer(id: ID!): QuickAnswer
  }

  extend type Mutation {
    createQuickAnswer(input: CreateQuickAnswerInput!): QuickAnswer!
    "Authors change their answers; others' shared answers need the manageOpenChannels permission."
    updateQuickAnswer(id: ID!, input: UpdateQuickAnswerInput!): QuickAnswer!
    deleteQuickAnswer(id: ID!): Boolean!
    "K6: a message of a conversation the user sees (internal notes too) as an answer, its text literal. openChannelId omitted: the conversation's channel; null: every channel."
    saveMessageAsQuickAnswer(messageId: ID!, title: String, openChannelId: ID, category: String, personal: Boolean = false): QuickAnswer!
    "The answer's text filled in for a conversation the user sees; counts one use."
    useQuickAnswer(id: ID!, conversationId: ID!): String!
  }
`

export function quickAnswersGraphql (ctx: PluginContext<any>): GraphQLExtension {
  /** The answer `user` may change, or OL_NOT_FOUND / OL_FORBIDDEN. */
  async function editable (context: AgentContext, id: string): Promise<QuickAnswer> {
    const user = context.requireUser()
    const answer = await visibleAnswer(ctx, user, checkId(id, '/id'))
    if (!mayEdit(user, answer)) throw new OpenlineError(errorCodes.forbidden, 'Only its author or someone who manages open channels may change this answer', { statusCode: 403 })
    return answer
  }

  return {
    typeDefs,
    resolvers: {
      Query: {
        quickAnswers: async (_: unknown, args: ListArgs, context: AgentContext) => listAnswers(ctx, context.requireUser(), args),
        quickAnswer: async (_: unknown, args: { id: string }, context: AgentContext) => {
          const user = context.requireUser()
          return visibleAnswer(ctx, user, checkId(args.id, '/id')).catch((err: OpenlineError) => {
            if (err.code === errorCodes.notFound) return null
            throw err
          })
        }
      },
      Mutation: {
        createQuickAnswer: async (_: unknown, args: { input: AnswerInput }, context: AgentContext) => {
          const user = context.requireUser()
          const values = mergeInput(emptyAnswer, args.input)
          await checkAnswer(ctx, values)
          return insertAnswer(ctx, values, user.id)
        },
        updateQuickAnswer: async (_: unknown, args: { id: string, input: AnswerInput }, context: AgentContext) => {
          const answer = await editable(context, args.id)
          const values = mergeInput(answer, args.input)
          // Making a shared answer personal would hide it from its author's colleagues for good: theirs to decide.
          if (values.personal !== answer.personal && answer.createdById !== context.user?.id) {
            throw new OpenlineError(errorCodes.validation, 'Only the author may change whether an answer is personal', { fields: [{ path: '/personal', message: 'only the author may change this' }] })
          }
          await checkAnswer(ctx, values)
          return updateAnswer(ctx, answer.id, values)
        },
        deleteQuickAnswer: async (_: unknown, args: { id: string }, context: AgentContext) => {
          const answer = await editable(context, args.id)
          return deleteAnswer(ctx, answer.id)
        },
        saveMessageAsQuickAnswer: async (_: unknown, args: SaveArgs, context: AgentContext) => {
          const user = context.requireUser()
          const values = await valuesFromMessage(ctx, user, args)
          await checkAnswer(ctx, values)
          return insertAnswer(ctx, values, user.id)
        },
        useQuickAnswer: async (_: unknown, args: { id: string, conversationId: string }, context: AgentContext) => {
          const user = context.requireUser()
          const answer = await visibleAnswer(ctx, user, checkId(args.id, '/id'))
          const conversation = await ctx.conversations.visibleTo(user, checkId(args.conversationId, '/conversationId'))
          const text = await renderAnswer(ctx, answer, conversation, user)
          await countUse(ctx, answer.id)
          return text
        }
      },
      QuickAnswer: {
        canEdit: (answer: QuickAnswer, _: unknown, context: AgentContext) => context.user !== null && mayEdit(context.user, answer)
      }
    }
  }
}
