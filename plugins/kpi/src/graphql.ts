// Resolvers of the staff API: figures on conversations (batched per request), alerts, statistics.
import { OpenlineError, errorCodes, isId, perRequestBatch, type AgentContext, type FieldError, type GraphQLExtension, type PluginContext } from '@openline/sdk'
import { idArray, reader } from './db.ts'
import { emptyKpi, loadFigures } from './figures.ts'
import { alertColumns, alertTopic, toAlert } from './alerts.ts'
import { computeStatistics, statisticsInput } from './statistics.ts'
import { ratingsLoaded } from './ratings.ts'
import { typeDefs } from './schema.ts'

type Args = Record<string, any>

/** What mercurius adds to a subscription resolver's context on the agent API. */
interface SubscriptionContext extends AgentContext {
  pubsub: { subscribe: (topic: string) => Promise<AsyncIterable<unknown>> }
}

export const maxPage = 200

function invalid (message: string, fields: FieldError[]): OpenlineError {
  return new OpenlineError(errorCodes.validation, message, { fields })
}

function pageSize (value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > maxPage) throw invalid('Invalid page size', [{ path: '/first', message: `must be 1–${maxPage}` }])
  return value as number
}

export function agentGraphQL (ctx: PluginContext<any>): GraphQLExtension {
  const read = reader(ctx)
  // Whether the ratings plugin is loaded is known from setup on, before any request.
  const figures = perRequestBatch(ids => loadFigures(read, ids, ratingsLoaded(ctx)))
  return {
    typeDefs,
    resolvers: {
      Conversation: {
        // The core resolved (and permission-checked) the conversation; every row of a list shares one query.
        kpi: async (conversation: { id: string }, _args: Args, context: AgentContext) => (await figures(context, conversation.id)) ?? emptyKpi
      },
      Query: {
        async myKpiAlerts (_: unknown, args: Args, context: AgentContext) {
          const user = context.requireUser()
          const first = pageSize(args.first)
          const params: unknown[] = [user.id]
          let where = 'a.user_id = ?'
          if (args.unreadOnly === true) where += ' and a.read_at is null'
          if (args.after !== undefined && args.after !== null) {
            if (!isId(args.after)) throw invalid('Invalid cursor', [{ path: '/after', message: 'must be an alert id' }])
            where += ' and a.id < ?'
            params.push(args.after)
          }
          const rows = await read(`select ${alertColumns} from kpi_alerts a join kpi_lateness l on l.id = a.lateness_id where ${where} order by a.id desc limit ${first + 1}`, params)
          const nodes = rows.slice(0, first).map(toAlert)
          return { nodes, nextCursor: rows.length > first ? nodes[nodes.length - 1].id : null }
        },
        async kpiStatistics (_: unknown, args: Args, context: AgentContext) {
          return computeStatistics(ctx, statisticsInput(context.requireUser(), args as Parameters<typeof statisticsInput>[1], ratingsLoaded(ctx)))
        }
      },
      Mutation: {
        async markKpiAlertsRead (_: unknown, args: Args, context: AgentContext) {
          const user = context.requireUser()
          const ids = args.ids as string[]
          if (ids.length > maxPage) throw invalid('Too many alerts at once', [{ path: '/ids', message: `at most ${maxPage}` }])
          const fields = ids.flatMap((id, i) => isId(id) ? [] : [{ path: `/ids/${i}`, message: 'must be an alert id' }])
          if (fields.length > 0) throw invalid('Invalid alert ids', fields)
          if (ids.length === 0) return 0
          // Someone else's alert ids change nothing, as if they did not exist.
          const rows = await ctx.transaction(tx => tx.query('update kpi_alerts set read_at = now() where user_id = ? and id = any(?::bigint[]) and read_at is null returning id', [user.id, idArray(ids)]))
          return rows.length
        }
      },
      Subscription: {
        kpiAlert: {
          async subscribe (_: unknown, _args: Args, context: SubscriptionContext) {
            const user = context.requireUser()
            return context.pubsub.subscribe(alertTopic(user.id))
          }
        }
      }
    }
  }
}
