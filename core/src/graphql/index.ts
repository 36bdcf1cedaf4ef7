import mercurius, { type IResolvers } from 'mercurius'
import { NoSchemaIntrospectionCustomRule, GraphQLScalarType, type GraphQLError, type ValidationRule } from 'graphql'
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases'
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { OpenlineError, errorCodes, type AuthUser, type GraphQLExtension } from '@openline/sdk'
import type { AgentGraphQLContext, Core } from '../core.ts'
import { authenticate, can } from '../auth/index.ts'
import { baseTypeDefs, DateTimeScalar, JSONScalar } from './base.ts'

export interface GraphqlOptions {
  extensions: GraphQLExtension[]
  emitter: object
}

function contextHelpers (core: Core, user: AuthUser | null): AgentGraphQLContext {
  return {
    core,
    user,
    requireUser () {
      if (user === null) throw new OpenlineError(errorCodes.unauthenticated, 'Sign in first', { statusCode: 401 })
      return user
    },
    requirePermission (permission) {
      if (user === null) throw new OpenlineError(errorCodes.unauthenticated, 'Sign in first', { statusCode: 401 })
      if (!can(user, permission)) throw new OpenlineError(errorCodes.forbidden, `Your role may not ${permission}`, { statusCode: 403 })
      return user
    }
  }
}

function mergeResolvers (list: (Record<string, any> | undefined)[]): IResolvers {
  const out: Record<string, any> = {}
  for (const resolvers of list) {
    for (const [type, fields] of Object.entries(resolvers ?? {})) {
      if (!(fields instanceof GraphQLScalarType)) out[type] = { ...(out[type] ?? {}), ...fields }
      else out[type] = fields
    }
  }
  return out as IResolvers
}

/** Coded errors keep their code and field list; anything else is an internal error, masked in production. */
function formatError (core: Core, error: GraphQLError): Record<string, unknown> {
  const original = error.originalError as any
  if (original instanceof OpenlineError || (original !== undefined && typeof original.code === 'string' && original.code.startsWith('OL_'))) {
    return { message: original.message, locations: error.locations, path: error.path, extensions: { code: original.code, ...(original.fields !== undefined ? { fields: original.fields } : {}) } }
  }
  if (original === undefined || original === null || (error.extensions?.code !== undefined && original.constructor?.name === 'GraphQLError')) {
    // Validation errors (syntax, depth, aliases, cost, unknown fields) are the client's fault.
    return { message: error.message, locations: error.locations, path: error.path, extensions: { code: (error.extensions?.code as string | undefined) ?? 'OL_GRAPHQL_VALIDATION' } }
  }
  core.log.error({ err: original, path: error.path }, 'resolver failed')
  const message = core.config.environment === 'production' ? 'Internal error' : error.message
  return { message, locations: error.locations, path: error.path, extensions: { code: 'OL_INTERNAL' } }
}

/** The schema is assembled once, from the core's SDL and every plugin's `extend type`. */
export async function registerGraphql (app: FastifyInstance, core: Core, options: GraphqlOptions): Promise<void> {
  const production = core.config.environment === 'production'
  const introspection = core.config.graphql.introspection ?? !production
  const rules: ValidationRule[] = [
    maxAliasesRule({ n: core.config.graphql.maxAliases }) as unknown as ValidationRule,
    costLimitRule({ maxCost: core.config.graphql.maxCost }) as unknown as ValidationRule
  ]
  if (!introspection) rules.push(NoSchemaIntrospectionCustomRule)
  const schema = [baseTypeDefs, ...options.extensions.map(e => e.typeDefs)]
  const resolvers = mergeResolvers([
    { DateTime: DateTimeScalar, JSON: JSONScalar, Query: { version: () => core.config.environment === 'production' ? 'openline' : 'openline 0.1.0' }, Mutation: { ping: () => true } },
    ...options.extensions.map(e => e.resolvers)
  ])
  // CSRF prevention as in GraphQL-over-HTTP: a browser cannot send a cross-site "simple" request
  // that reaches /graphql. Mercurius' own check also blocks websocket upgrades, so it lives here;
  // websockets carry the session token in connection_init, never a cookie.
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/graphql') || request.headers.upgrade?.toLowerCase() === 'websocket') return
    if (request.method === 'GET' && request.url.startsWith('/graphiql')) return
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
    const preflighted = type !== '' && !['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'].includes(type)
    if (preflighted || request.headers['x-openline-csrf'] !== undefined || request.headers['apollo-require-preflight'] !== undefined) return
    return reply.code(400).send({ errors: [{ message: 'This request has been blocked as a potential Cross-Site Request Forgery: send Content-Type: application/json or an x-openline-csrf header', extensions: { code: 'OL_CSRF' } }] })
  })
  await app.register(mercurius, {
    schema: schema.join('\n'),
    resolvers,
    path: '/graphql',
    graphiql: core.config.graphql.graphiql ?? !production,
    queryDepth: core.config.graphql.maxDepth,
    validationRules: rules,
    allowBatchedQueries: false,
    jit: 1,
    context: async (request: FastifyRequest) => contextHelpers(core, await authenticate(core, request.headers.authorization)),
    subscription: {
      emitter: options.emitter as any,
      keepAlive: 30_000,
      // The session token travels in the connection_init payload: browsers cannot set headers on websockets.
      onConnect: async ({ payload }: { payload: any }) => {
        const token = payload?.authorization ?? payload?.Authorization ?? payload?.token
        const user = await authenticate(core, typeof token === 'string' ? token : null)
        if (user === null) return false
        return contextHelpers(core, user)
      },
      context: () => ({ core })
    },
    errorFormatter: (execution: { data?: unknown, errors?: readonly GraphQLError[] }) => {
      const errors = (execution.errors ?? []).map(e => formatError(core, e))
      const hasData = execution.data !== undefined && execution.data !== null
      // GraphQL-over-HTTP: a request that could not execute is a 4xx; resolver errors keep 200 with partial data.
      const statusCode = hasData ? 200 : errors.every((e: any) => (e.extensions as any)?.code === 'OL_GRAPHQL_VALIDATION' || e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED') ? 400 : 200
      return { statusCode, response: { data: execution.data ?? null, errors } as any }
    }
  } as any)
}
