// A stand-in for the plugins that add actions to the console (quick answers, tasks, feed, ratings):
// the console knows them only by mutation name and reads their arguments from the schema.
import { definePlugin, OpenlineError, errorCodes } from '@openline/sdk'

export interface FixtureCalls {
  tasks: { messageId: string, input: Record<string, unknown> }[]
  feed: string[]
  ratingsAsked: string[]
  quickAnswersUsed: { id: string, conversationId: string }[]
}

export function fixtureActionsPlugin (calls: FixtureCalls) {
  const answers = [
    { id: '1', title: 'Greeting', text: 'Hello {{clientName}}! How can I help you today?', category: null },
    { id: '2', title: 'Shipping times', text: 'Orders ship within 2 working days.', category: 'Delivery' }
  ]
  return definePlugin({
    name: 'console-fixture-actions',
    version: '0.1.0',
    core: '^0.1.0',
    graphql: {
      agent: () => ({
        typeDefs: `
          type FixtureTask { id: ID!, title: String!, dueAt: DateTime, assigneeId: ID, icsUrl: String }
          input FixtureTaskInput { title: String!, dueAt: DateTime, assigneeId: ID, description: String }
          type FixtureQuickAnswer { id: ID!, title: String, text: String!, category: String }
          type FixtureQuickAnswerPage { nodes: [FixtureQuickAnswer!]!, nextCursor: String }
          extend type Query { quickAnswers(openChannelId: ID, search: String, first: Int): FixtureQuickAnswerPage! }
          extend type Mutation {
            createTaskFromMessage(messageId: ID!, input: FixtureTaskInput!): FixtureTask!
            useQuickAnswer(id: ID!, conversationId: ID!): String!
            postMessageToFeed(messageId: ID!): Boolean!
            askForRating(conversationId: ID!): Boolean!
          }
        `,
        resolvers: {
          Query: {
            quickAnswers: (_: unknown, args: { search?: string }, ctx: { requireUser: () => unknown }) => {
              ctx.requireUser()
              const s = (args.search ?? '').toLowerCase()
              return { nodes: answers.filter(a => a.title.toLowerCase().includes(s) || a.text.toLowerCase().includes(s)), nextCursor: null }
            }
          },
          Mutation: {
            createTaskFromMessage: (_: unknown, args: { messageId: string, input: Record<string, unknown> }) => {
              if (typeof args.input.title !== 'string' || args.input.title.trim() === '') {
                throw new OpenlineError(errorCodes.validation, 'A task needs a title', { fields: [{ path: '/input/title', message: 'required' }] })
              }
              calls.tasks.push({ messageId: args.messageId, input: { ...args.input } })
              return { id: String(calls.tasks.length), title: args.input.title, dueAt: args.input.dueAt ?? null, assigneeId: args.input.assigneeId ?? null, icsUrl: `https://calendar.example/tasks/${calls.tasks.length}.ics` }
            },
            // The real plugin fills the variables in: the console inserts what comes back.
            useQuickAnswer: (_: unknown, args: { id: string, conversationId: string }) => {
              calls.quickAnswersUsed.push(args)
              return (answers.find(a => a.id === args.id)?.text ?? '').replace('{{clientName}}', 'Maria')
            },
            postMessageToFeed: (_: unknown, args: { messageId: string }) => { calls.feed.push(args.messageId); return true },
            askForRating: (_: unknown, args: { conversationId: string }) => { calls.ratingsAsked.push(args.conversationId); return true }
          }
        }
      })
    }
  })
}
