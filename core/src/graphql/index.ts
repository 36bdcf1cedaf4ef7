import mercurius, { type IResolvers } from 'mercurius'
import cors from '@fastify/cors'
import { NoSchemaIntrospectionCustomRule, GraphQLScalarType, GraphQLError, type ValidationRule } from 'graphql'
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

interface FormattedError {
  json: Record<string, unknown>
  /** The HTTP status this error calls for when there is no data; null: it came from a resolver (200). */
  status: number | null
}

const validationCode = 'OL_GRAPHQL_VALIDATION'

/**
 * Coded errors keep their code and field list; documents the server refuses (syntax, unknown
 * fields, depth, aliases, cost, introspection in production) are the client's 400
 * OL_GRAPHQL_VALIDATION; other 4xx errors of the HTTP layer (malformed body, rate limit) keep their
 * status; anything else is an internal error, logged, and masked in production.
 */
function formatError (core: Core, error: unknown, where: { locations?: unknown, path?: readonly (string | number)[] } = {}): FormattedError[] {
  const err = error as any
  if (err instanceof GraphQLError) {
    const at = { locations: err.locations ?? where.locations, path: err.path ?? where.path }
    if (err.originalError !== undefined && err.originalError !== null) return formatError(core, err.originalError, at)
    // With a path it arose while executing (a resolver returned null for a non-null field): a server bug.
    if (at.path !== undefined) return internalError(core, err, at)
    return [{ json: { message: err.message, locations: at.locations, extensions: { code: validationCode } }, status: 400 }]
  }
  // Mercurius wraps request-level failures (validation, depth, bad bodies) in one error listing them.
  if (err?.code === 'MER_ERR_GQL_VALIDATION' && Array.isArray(err.errors) && err.errors.length > 0) {
    return err.errors.flatMap((inner: unknown) => formatError(core, inner, where))
  }
  const requestLevel = where.path === undefined
  if (err instanceof OpenlineError || (typeof err?.code === 'string' && err.code.startsWith('OL_'))) {
    const status = typeof err.statusCode === 'number' ? err.statusCode : 400
    return [{ json: { message: err.message, locations: where.locations, path: where.path, extensions: { code: err.code, ...(err.fields !== undefined ? { fields: err.fields } : {}) } }, status: requestLevel ? status : null }]
  }
  if (err?.code === 'MER_ERR_GQL_QUERY_DEPTH') {
    return [{ json: { message: String(err.message).replaceAll('`', ''), extensions: { code: validationCode } }, status: 400 }]
  }
  if (typeof err?.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return [{ json: { message: err.message, extensions: { code: err.statusCode === 429 ? errorCodes.rateLimited : 'OL_BAD_REQUEST' } }, status: err.statusCode }]
  }
  return internalError(core, err, where)
}

function internalError (core: Core, err: any, where: { locations?: unknown, path?: readonly (string | number)[] }): FormattedError[] {
  core.log.error({ err, path: where.path }, 'resolver failed')
  const message = core.config.environment === 'production' ? 'Internal error' : String(err?.message ?? err)
  return [{ json: { message, locations: where.locations, path: where.path, extensions: { code: 'OL_INTERNAL' } }, status: where.path === undefined ? 500 : null }]
}

interface SchemaSpec {
  path: string
  extensions: GraphQLExtension[]
  emitter: object
  context: (request: FastifyRequest) => Promise<Record<string, unknown>>
  /** Runs on graphql-ws connection_init; false refuses the socket. */
  onConnect: (payload: any) => Promise<Record<string, unknown> | false>
  onDisconnect?: (context: Record<string, any>) => Promise<void>
  /** Answer cross-origin requests from any site (the visitor API: widgets run on customers' sites; plugins check Origin per widget). */
  crossOrigin?: boolean
}

const heartbeatMs = 30_000

/** Base resolvers every schema shares: scalars and the root fields of `baseTypeDefs`. */
function baseResolvers (core: Core): Record<string, unknown> {
  return {
    DateTime: DateTimeScalar,
    JSON: JSONScalar,
    Query: { version: () => core.config.environment === 'production' ? 'openline' : 'openline 0.1.0' },
    Mutation: { ping: () => true },
    Subscription: {
      heartbeat: {
        subscribe: async function * () {
          while (true) {
            yield { heartbeat: new Date() }
            await new Promise(resolve => setTimeout(resolve, heartbeatMs))
          }
        }
      }
    }
  }
}

/**
 * One GraphQL endpoint, assembled once from the base SDL and its extensions, registered in its own
 * encapsulated context (so the agent and visitor APIs never share a schema or a hook).
 */
async function registerSchema (app: FastifyInstance, core: Core, spec: SchemaSpec): Promise<void> {
  const production = core.config.environment === 'production'
  const introspection = core.config.graphql.introspection ?? !production
  const rules: ValidationRule[] = [
    maxAliasesRule({ n: core.config.graphql.maxAliases }) as unknown as ValidationRule,
    costLimitRule({ maxCost: core.config.graphql.maxCost }) as unknown as ValidationRule
  ]
  if (!introspection) rules.push(NoSchemaIntrospectionCustomRule)
  const schema = [baseTypeDefs, ...spec.extensions.map(e => e.typeDefs)]
  const resolvers = mergeResolvers([baseResolvers(core), ...spec.extensions.map(e => e.resolvers)])
  await app.register(async (scope) => {
    // Bearer tokens, never cookies: reflecting the Origin grants a site nothing it could not do with the token.
    // @fastify/cors answers preflights through a catch-all OPTIONS route that every path reaches: decide per path.
    if (spec.crossOrigin === true) {
      const allowed = { origin: true, credentials: false, methods: ['GET', 'POST'], allowedHeaders: ['content-type', 'authorization', 'x-openline-csrf'], maxAge: 600 }
      await scope.register(cors, { delegator: (request: FastifyRequest, done: (err: Error | null, options: object) => void) => { done(null, request.url.split('?')[0] === spec.path ? allowed : { origin: false }) } } as any)
    }
    // CSRF prevention as in GraphQL-over-HTTP: a browser cannot send a cross-site "simple" request
    // that reaches the endpoint. Mercurius' own check also blocks websocket upgrades, so it lives here;
    // websockets carry their token in connection_init, never a cookie.
    scope.addHook('onRequest', async (request, reply) => {
      if (request.headers.upgrade?.toLowerCase() === 'websocket' || request.method === 'OPTIONS') return
      if (request.method === 'GET' && request.routeOptions.url?.endsWith('graphiql') === true) return
      const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
      const preflighted = type !== '' && !['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'].includes(type)
      if (preflighted || request.headers['x-openline-csrf'] !== undefined || request.headers['apollo-require-preflight'] !== undefined) return
      return reply.code(400).send({ errors: [{ message: 'This request has been blocked as a potential Cross-Site Request Forgery: send Content-Type: application/json or an x-openline-csrf header', extensions: { code: 'OL_CSRF' } }] })
    })
    // Batches multiply every limit above by their length: refused outright, nothing executed.
    scope.addHook('preValidation', async (request, reply) => {
      if (request.routeOptions.url !== spec.path || !Array.isArray(request.body)) return
      return reply.code(400).send({ data: null, errors: [{ message: 'Batched queries are not supported: send one operation per request', extensions: { code: 'OL_GRAPHQL_BATCH' } }] })
    })
    await scope.register(mercurius, {
      schema: schema.join('\n'),
      resolvers,
      path: spec.path,
      graphiql: spec.path === '/graphql' && (core.config.graphql.graphiql ?? !production),
      queryDepth: core.config.graphql.maxDepth,
      validationRules: rules,
      allowBatchedQueries: false,
      jit: 1,
      context: spec.context,
      subscription: {
        emitter: spec.emitter as any,
        keepAlive: 30_000,
        onConnect: async ({ payload }: { payload: any }) => spec.onConnect(payload),
        onDisconnect: async (context: Record<string, any>) => { await spec.onDisconnect?.(context) },
        context: () => ({ core })
      },
      errorFormatter: (execution: { data?: unknown, errors?: readonly GraphQLError[] }) => {
        const formatted = (execution.errors ?? []).flatMap(e => formatError(core, e))
        const hasData = execution.data !== undefined && execution.data !== null
        // GraphQL-over-HTTP: a request that could not execute gets its 4xx (or 5xx); resolver errors keep 200.
        const first = formatted[0]?.status ?? null
        const statusCode = hasData || first === null || formatted.some(f => f.status === null) ? 200 : first
        return { statusCode, response: { data: execution.data ?? null, errors: formatted.map(f => f.json) } as any }
      }
    } as any)
  })
}

/** The agent API at `/graphql`: staff sessions, permissions enforced in resolvers. */
export async function registerGraphql (app: FastifyInstance, core: Core, options: GraphqlOptions): Promise<void> {
  await registerSchema(app, core, {
    path: '/graphql',
    extensions: options.extensions,
    emitter: options.emitter,
    context: async (request) => contextHelpers(core, await authenticate(core, request.headers.authorization)) as unknown as Record<string, unknown>,
    // The session token travels in the connection_init payload: browsers cannot set headers on websockets.
    onConnect: async (payload) => {
      const token = payload?.authorization ?? payload?.Authorization ?? payload?.token
      const user = await authenticate(core, typeof token === 'string' ? token : null)
      if (user === null) return false
      // A live agent connection is what makes the agent "online" for routing (B4).
      const presenceId = await core.presence.connect(user.id).catch((err: Error) => { core.log.warn({ err: err.message }, 'presence unavailable'); return null })
      return { ...contextHelpers(core, user), presenceId } as unknown as Record<string, unknown>
    },
    onDisconnect: async (context) => {
      if (typeof context.presenceId === 'string') await core.presence.disconnect(context.presenceId).catch(() => {})
    }
  })
}

/**
 * connection_init cannot see the upgrade request, so a visitor subscription learns the socket's
 * Origin and address here, from the request mercurius keeps on the socket's context: plugins check
 * Origin against the channel's allowed sites.
 */
function withSocketRequest (extension: GraphQLExtension): GraphQLExtension {
  const subscription = extension.resolvers?.Subscription
  if (subscription === undefined) return extension
  const wrapped: Record<string, unknown> = {}
  for (const [field, resolver] of Object.entries(subscription)) {
    const subscribe = (resolver as { subscribe?: (...args: any[]) => unknown }).subscribe
    wrapped[field] = subscribe === undefined
      ? resolver
      : {
          ...(resolver as object),
          subscribe: (root: unknown, args: unknown, ctx: Record<string, any>, info: unknown) => {
            const request = ctx.request as { ip?: string, headers?: Record<string, string | undefined> } | undefined
            ctx.visitor = { ...ctx.visitor, ip: request?.ip ?? null, origin: request?.headers?.origin ?? null }
            return subscribe(root, args, ctx, info)
          }
        }
  }
  return { ...extension, resolvers: { ...extension.resolvers, Subscription: wrapped } }
}

/**
 * The visitor API at `/visitor/graphql`, built only from plugins' `graphql.visitor` extensions: its
 * schema has no staff types at all, so it cannot express internal messages or staff-only data.
 * Plugins authenticate visitors themselves from `visitorToken`.
 */
export async function registerVisitorGraphql (app: FastifyInstance, core: Core, options: GraphqlOptions): Promise<void> {
  if (options.extensions.length === 0) return
  const tokenOf = (value: unknown): string | null => typeof value === 'string' && value.length > 0 && value.length <= 512 ? value.replace(/^Bearer /i, '') : null
  await registerSchema(app, core, {
    path: '/visitor/graphql',
    crossOrigin: true,
    extensions: options.extensions.map(withSocketRequest),
    emitter: options.emitter,
    context: async (request) => ({ core, visitor: { token: tokenOf(request.headers.authorization), ip: request.ip, origin: request.headers.origin ?? null } }),
    onConnect: async (payload) => ({ core, visitor: { token: tokenOf(payload?.visitorToken ?? payload?.authorization), ip: null, origin: null } })
  })
}
