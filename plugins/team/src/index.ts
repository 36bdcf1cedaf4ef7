// @openline/plugin-team: internal staff chats and the team feed (ROADMAP K6 "discuss in a new
// chat", "discuss in the team feed"). Staff only: it adds to the agent API, never to the visitor
// API, and never writes to a conversation, so nothing of it can reach a client.
import { definePlugin, type PluginContext, type GraphQLExtension } from '@openline/sdk'
import { migrations } from './migrations.ts'
import { typeDefs } from './schema.ts'
import { chatResolvers } from './chatsGraphql.ts'
import { feedResolvers } from './feedGraphql.ts'
import { limits } from './input.ts'

export { limits, migrations }
export { topics } from './live.ts'

function agentGraphQL (ctx: PluginContext<any>): GraphQLExtension {
  const chats = chatResolvers(ctx)
  const feed = feedResolvers(ctx)
  const resolvers: Record<string, Record<string, unknown>> = {}
  for (const part of [chats, feed]) {
    for (const [type, fields] of Object.entries(part)) resolvers[type] = { ...resolvers[type], ...fields }
  }
  return { typeDefs, resolvers }
}

export const teamPlugin = definePlugin({
  name: 'team',
  version: '0.1.0',
  core: '^0.1.0',
  migrations,
  graphql: { agent: agentGraphQL }
})

export default teamPlugin
