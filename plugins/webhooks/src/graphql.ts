// The agent API of the plugin. Managing integrations is an admin's job: every field needs
// manageOpenChannels, since an endpoint receives the public messages of the channels it covers.
import { randomUUID } from 'node:crypto'
import { OpenlineError, errorCodes, type AgentContext, type PluginContext, type Resolvers } from '@openline/sdk'
import { reader } from './db.ts'
import { countEndpoints, deleteEndpoint, endpointById, insertEndpoint, listEndpoints, replaceSecret, updateEndpoint } from './endpoints.ts'
import { deliveryPage, deliverySource, insertDeliveries } from './deliveries.ts'
import { webhookEvents, pingEvent } from './catalog.ts'
import { checkId, endpointFields, limits, notFound, pageSize } from './input.ts'
import { optionsOf } from './options.ts'
import { envelope, sendAfterCommit } from './outgoing.ts'
import { newSecret } from './signature.ts'

type Args = Record<string, any>

const requireAdmin = (context: AgentContext): string => context.requirePermission('manageOpenChannels').id

export function webhookResolvers (ctx: PluginContext<any>): Resolvers {
  const options = optionsOf(ctx)
  const read = reader(ctx)

  return {
    Query: {
      webhooks (_: unknown, _args: Args, context: AgentContext) {
        requireAdmin(context)
        return listEndpoints(read)
      },
      webhook (_: unknown, args: Args, context: AgentContext) {
        requireAdmin(context)
        return endpointById(read, checkId(args.id, '/id'))
      },
      webhookEvents (_: unknown, _args: Args, context: AgentContext) {
        requireAdmin(context)
        return webhookEvents
      },
      async webhookDeliveries (_: unknown, args: Args, context: AgentContext) {
        requireAdmin(context)
        const webhookId = checkId(args.webhookId, '/webhookId')
        const first = pageSize(args.first)
        const after = args.after === undefined || args.after === null ? null : checkId(args.after, '/after')
        if (await endpointById(read, webhookId) === null) throw notFound('Webhook')
        const rows = await deliveryPage(read, webhookId, first + 1, after)
        const nodes = rows.slice(0, first)
        return { nodes, nextCursor: rows.length > first ? nodes[nodes.length - 1].id : null }
      }
    },
    Mutation: {
      async createWebhook (_: unknown, args: Args, context: AgentContext) {
        const userId = requireAdmin(context)
        const fields = await endpointFields(ctx, options, args.input ?? {}, null)
        const secret = newSecret()
        const webhook = await ctx.transaction(async (tx) => {
          // Serialise creations so the limit holds under concurrent requests.
          await tx.query("select pg_advisory_xact_lock(hashtextextended('openline.webhooks.create', 0))")
          if (await countEndpoints(tx.query) >= limits.endpoints) {
            throw new OpenlineError(errorCodes.limitReached, `At most ${limits.endpoints} webhooks`, { statusCode: 409 })
          }
          return insertEndpoint(tx.query, { ...fields, secret: ctx.secrets.seal({ secret }), createdById: userId })
        })
        return { webhook, secret }
      },
      async updateWebhook (_: unknown, args: Args, context: AgentContext) {
        requireAdmin(context)
        const id = checkId(args.id, '/id')
        const current = await endpointById(read, id)
        if (current === null) throw notFound('Webhook')
        const fields = await endpointFields(ctx, options, args.input ?? {}, current)
        const updated = await ctx.transaction(tx => updateEndpoint(tx.query, id, fields))
        if (updated === null) throw notFound('Webhook')
        return updated
      },
      async deleteWebhook (_: unknown, args: Args, context: AgentContext) {
        requireAdmin(context)
        const id = checkId(args.id, '/id')
        if (!await ctx.transaction(tx => deleteEndpoint(tx.query, id))) throw notFound('Webhook')
        return true
      },
      async rotateWebhookSecret (_: unknown, args: Args, context: AgentContext) {
        requireAdmin(context)
        const id = checkId(args.id, '/id')
        const secret = newSecret()
        if (!await ctx.transaction(tx => replaceSecret(tx.query, id, ctx.secrets.seal({ secret })))) throw notFound('Webhook')
        return secret
      },
      async redeliverWebhook (_: unknown, args: Args, context: AgentContext) {
        requireAdmin(context)
        const deliveryId = checkId(args.deliveryId, '/deliveryId')
        return ctx.transaction(async (tx) => {
          const source = await deliverySource(tx.query, deliveryId)
          if (source === null) throw notFound('Webhook delivery')
          if (source.status === 'pending') throw new OpenlineError(errorCodes.conflict, 'The delivery is still being attempted', { statusCode: 409 })
          const [copy] = await insertDeliveries(tx.query, [source])
          sendAfterCommit(ctx, tx, [copy])
          return copy
        })
      },
      async pingWebhook (_: unknown, args: Args, context: AgentContext) {
        requireAdmin(context)
        const id = checkId(args.id, '/id')
        return ctx.transaction(async (tx) => {
          if (await endpointById(tx.query, id) === null) throw notFound('Webhook')
          const eventId = randomUUID()
          const [ping] = await insertDeliveries(tx.query, [{
            webhookId: id, event: pingEvent, eventId, conversationId: null, body: envelope(eventId, pingEvent, { webhookId: id }), manual: true, redeliveryOfId: null
          }])
          sendAfterCommit(ctx, tx, [ping])
          return ping
        })
      }
    }
  }
}
