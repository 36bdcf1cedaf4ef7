// Consent in the API: the settings group and the client's recorded acceptances.
import { OpenlineError, errorCodes } from '@openline/sdk'
import type { AutomationFeature, ResolverContext } from './feature.ts'
import { consentGroup, consentsOfClient, isId, recordConsent } from './consent.ts'
import { readRows } from './read.ts'

const typeDefs = /* GraphQL */ `
  "A client's acceptance of a consent notice (D1)."
  type ConsentRecord {
    clientId: ID!
    openChannelId: ID!
    "The consent settings' textVersion at the time of acceptance."
    textVersion: String!
    acceptedAt: DateTime!
    "Where the acceptance came from: button (the notice's I agree button), agent, or what an integration named."
    source: String
  }

  extend type Query {
    "Every consent the client gave, newest first."
    clientConsents(clientId: ID!): [ConsentRecord!]!
  }

  extend type Mutation {
    "Record that the client of a conversation accepted a version of the consent notice (agents, integrations). Idempotent per client, channel and version: the first acceptance is kept."
    recordClientConsent(conversationId: ID!, textVersion: String!, source: String): ConsentRecord!
  }
`

export const consentFeature: AutomationFeature = {
  name: 'consent',
  settingsGroups: [consentGroup],
  agentGraphQL: (ctx) => ({
    typeDefs,
    resolvers: {
      Query: {
        clientConsents: async (_root: unknown, args: { clientId: string }, context: ResolverContext) => {
          context.requireUser()
          const notFound = new OpenlineError(errorCodes.notFound, `Client ${args.clientId} not found`, { statusCode: 404 })
          if (!isId(args.clientId)) throw notFound
          const clients = await readRows(ctx, 'select 1 from clients where id = ?', [args.clientId])
          if (clients.length === 0) throw notFound
          return consentsOfClient({ query: (sql, params) => readRows(ctx, sql, params) }, args.clientId)
        }
      },
      Mutation: {
        recordClientConsent: async (_root: unknown, args: { conversationId: string, textVersion: string, source?: string | null }, context: ResolverContext) => {
          context.requireUser()
          if (!isId(args.conversationId)) throw new OpenlineError(errorCodes.validation, 'Invalid conversation id', { fields: [{ path: '/conversationId', message: 'Expected an id' }] })
          return ctx.transaction(async (tx) => {
            const conversation = await ctx.conversations.get(args.conversationId, tx)
            if (conversation === null) throw new OpenlineError(errorCodes.notFound, `Conversation ${args.conversationId} not found`, { statusCode: 404 })
            return recordConsent(tx, { clientId: conversation.clientId, openChannelId: conversation.openChannelId, textVersion: args.textVersion, source: args.source ?? 'agent' })
          })
        }
      }
    }
  })
}
