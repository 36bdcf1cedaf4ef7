import type { GraphQLExtension, PluginContext, Resolvers } from '@openline/sdk'
import { agentTypeDefs } from './schema.ts'
import { recordResolvers } from './records.ts'
import { conversationResolvers } from './conversation.ts'
import { formResolvers } from './forms.ts'
import type { FormsRuntime } from '../forms/sends.ts'

/** The staff API: records, conversation actions and forms, each contributing resolvers by type. */
export function agentGraphql (ctx: PluginContext<any>, runtime: FormsRuntime): GraphQLExtension {
  const resolvers: Resolvers = {}
  for (const part of [recordResolvers(ctx), conversationResolvers(ctx), formResolvers(ctx, runtime)]) {
    for (const [type, fields] of Object.entries(part)) {
      for (const name of Object.keys(fields)) if (Object.hasOwn(resolvers[type] ?? {}, name)) throw new Error(`crm: resolver ${type}.${name} defined twice`)
      resolvers[type] = { ...resolvers[type], ...fields }
    }
  }
  return { typeDefs: agentTypeDefs, resolvers }
}
