import Fastify, { type FastifyInstance } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import mqemitterRedis from 'mqemitter-redis'
import { randomUUID } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'
import { OpenlineError, errorCodes, coreEvents, type PluginDefinition, type PluginContext, type GraphQLExtension } from '@openline/sdk'
import type { MikroORM } from '@mikro-orm/postgresql'
import type { Config } from './config.ts'
import type { Core, Registry } from './core.ts'
import { openOrm, migrate } from './db/orm.ts'
import { createBullJobs } from './jobs/bull.ts'
import { createTransactionRunner, type Committed } from './tx.ts'
import { createHookRunner } from './hooks.ts'
import { createEventDispatcher, type SubscriberEntry } from './events.ts'
import { createTimers, type TimerHandler } from './timers.ts'
import { createIngest } from './ingest.ts'
import { createSend, createDeliveryProcessor, deliverJob } from './outbox.ts'
import { orderPlugins, collectRegistry, type LoadedPlugin } from './plugins/loader.ts'
import { createPluginContext, pluginJobName, scopeTx } from './plugins/context.ts'
import { createSecrets } from './secrets.ts'
import { registerGraphql, registerVisitorGraphql } from './graphql/index.ts'
import { createMetrics, registerObservability } from './observability.ts'
import { authGraphql, ensureBuiltinRoles } from './auth/index.ts'
import { openChannelsGraphql } from './openChannels/index.ts'
import { conversationsTypeDefs, conversationsResolvers } from './conversations/graphql.ts'
import { coreVersion } from './version.ts'
import { createPresence } from './routing/presence.ts'
import { createRouter, routeJob, offerTimeoutJob, finalizeCloseJob } from './routing/router.ts'
import { createTemplates } from './templates.ts'
import { localDiskStorage } from './files/storage.ts'
import { createFileSigner } from './files/signed.ts'
import { registerFileRoutes } from './files/routes.ts'
import { conversationActions } from './conversations/actions.ts'
import { clientsGraphql } from './clients/graphql.ts'
import { createChatbotRuntime, botHandOverJob } from './chatbots/runtime.ts'
import { routingGraphql } from './routing/graphql.ts'

export interface PluginEntry {
  definition: PluginDefinition<any>
  options?: unknown
}

export interface BuildOptions {
  /** Plugins given as objects (tests); added after those named in `config.plugins`. */
  plugins?: PluginEntry[]
  /** Apply pending migrations at boot (development, tests). Otherwise pending migrations fail boot. */
  migrate?: boolean
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/

declare module 'fastify' {
  interface FastifyInstance {
    core: Core
  }
}

async function importPlugins (config: Config): Promise<PluginEntry[]> {
  const out: PluginEntry[] = []
  for (const { module, options } of config.plugins) {
    const specifier = module.startsWith('.') || module.startsWith('/') ? pathToFileURL(resolve(module)).href : module
    let loaded: { default?: PluginDefinition }
    try {
      loaded = await import(specifier)
    } catch (err) {
      throw new OpenlineError(errorCodes.pluginShape, `Cannot load plugin module ${module}: ${(err as Error).message}`, { cause: err })
    }
    if (loaded.default === undefined) throw new OpenlineError(errorCodes.pluginShape, `Plugin module ${module} has no default export`)
    out.push({ definition: loaded.default, options })
  }
  return out
}

async function connectDatabase (config: Config, plugins: LoadedPlugin[]): Promise<MikroORM> {
  try {
    const orm = await openOrm({
      databaseUrl: config.databaseUrl,
      poolMax: config.databasePoolMax,
      pluginEntities: plugins.flatMap(p => p.definition.entities ?? []),
      pluginMigrations: plugins.map(p => ({ plugin: p.definition.name, migrations: p.definition.migrations ?? [] }))
    })
    try {
      await (orm.em.fork() as any).execute('select 1')
    } catch (err) {
      await orm.close().catch(() => {})
      throw err
    }
    return orm
  } catch (err) {
    const safeUrl = config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')
    throw new OpenlineError(errorCodes.databaseUnreachable, `PostgreSQL is unreachable at ${safeUrl}: ${(err as Error).message}`, { cause: err })
  }
}

/** Registries are frozen after setup: nothing can add a strategy at run time. */
function freeze (registry: Registry): void {
  for (const map of Object.values(registry)) {
    if (!(map instanceof Map)) continue
    map.set = () => { throw new OpenlineError(errorCodes.registryFrozen, 'Registries are frozen after boot') }
    map.delete = () => { throw new OpenlineError(errorCodes.registryFrozen, 'Registries are frozen after boot') }
    map.clear = () => { throw new OpenlineError(errorCodes.registryFrozen, 'Registries are frozen after boot') }
    Object.freeze(map)
  }
  Object.freeze(registry)
}

/**
 * Build the whole app (no listen). Boot order: plugins validated and ordered → registries →
 * database → jobs and pub/sub → GraphQL schema (once) → routes, hooks, jobs → setup → freeze.
 */
export async function buildApp (config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  if (config.environment === 'production' && config.secretKey.includes('development-only')) {
    throw new OpenlineError(errorCodes.configInvalid, 'Invalid configuration: secretKey — set SECRET_KEY to a long random value in production')
  }
  const plugins = orderPlugins([...await importPlugins(config), ...(options.plugins ?? [])], coreVersion)
  const registry = collectRegistry(plugins)

  const app = Fastify({
    logger: { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] },
    // A caller's x-request-id is kept when it looks like an id; anything else gets a fresh one.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID()
    },
    bodyLimit: 1024 * 1024,
    // Only trusted proxies may name the client address: rate limits are keyed on it.
    // (Fastify also takes a hop count, which its types leave out.)
    trustProxy: (config.trustProxy ?? 'loopback') as string | boolean,
    forceCloseConnections: true
  })
  const log = app.log
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id)
    return payload
  })

  const orm = await connectDatabase(config, plugins)
  if (options.migrate === true) {
    await migrate(orm)
  } else {
    const pending = await orm.migrator.getPending()
    if (pending.length > 0) {
      await orm.close()
      throw new OpenlineError(errorCodes.configInvalid, `The database has ${pending.length} pending migrations (${pending.map(m => m.name).join(', ')}): run "npm run migrate"`)
    }
  }

  const jobs = createBullJobs({ redisUrl: config.redisUrl, prefix: config.redisPrefix, log })
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false })
  redis.on('error', () => {})
  // Connections made here: given only a URL, mqemitter-redis would drop its auto-pipelining option.
  const emitter = new (mqemitterRedis as any).MQEmitterRedisPrefix(config.redisPrefix + 'ps:', {
    pubConn: new Redis(config.redisUrl, { enableAutoPipelining: true }),
    subConn: new Redis(config.redisUrl, { enableAutoPipelining: true })
  })
  emitter.state?.on?.('error', () => {})
  const publish = (topic: string, payload: Record<string, unknown>): Promise<void> => new Promise((resolve, reject) => {
    emitter.emit({ topic, payload }, (err?: Error) => err ? reject(err) : resolve())
  })

  const contexts = new Map<string, PluginContext>()
  const subscribers: SubscriberEntry[] = []
  const timerHandlers = new Map<string, TimerHandler>()
  let dispatchCommitted: (c: Committed) => void = () => {}
  const hooks = createHookRunner(plugins.map(p => ({ name: p.definition.name, hooks: p.definition.hooks })), log)
  const eventNames = new Set(plugins.flatMap(p => (p.definition.on ?? []).map(s => s.event.name)))
  // The chatbot runtime listens only when a bot is loaded: otherwise those events need not be stored at all.
  const botsLoaded = registry.chatbots.size > 0
  if (botsLoaded) for (const name of [coreEvents.conversationOpened.name, coreEvents.messageReceived.name]) eventNames.add(name)
  const transaction = createTransactionRunner({ orm, log, hasSubscribers: (name) => eventNames.has(name), onCommitted: (c) => dispatchCommitted(c) })
  const metrics = createMetrics()

  const core: Core = {
    config, log, orm, registry, hooks, jobs, redis, publish, transaction,
    secrets: createSecrets(config.secretKey),
    templates: createTemplates(),
    files: { storage: localDiskStorage(config.files.directory), maxBytes: config.files.maxBytes, signer: createFileSigner(config.secretKey) },
    redisKey: (name) => config.redisPrefix + name,
    pluginContextOf (connectorId) {
      const owner = registry.owner.get(`connectors:${connectorId}`)
      const ctx = owner === undefined ? undefined : contexts.get(owner)
      if (ctx === undefined) throw new OpenlineError(errorCodes.unknownConnector, `No plugin provides connector ${connectorId}`)
      return ctx
    },
    routing: undefined as unknown as Core['routing'],
    presence: undefined as unknown as Core['presence'],
    ingest: async () => { throw new Error('not ready') },
    sendMessage: async () => { throw new Error('not ready') },
    enqueueDelivery: async () => { throw new Error('not ready') }
  }
  for (const plugin of plugins) {
    const ctx = createPluginContext(core, plugin)
    contexts.set(plugin.definition.name, ctx)
    ;(plugin.definition.on ?? []).forEach((s, i) => {
      subscribers.push({ key: `${plugin.definition.name}:on:${s.event.name}${i > 0 ? `:${i}` : ''}`, eventName: s.event.name, run: (payload, tx) => s.handler(payload, scopeTx(tx, plugin.definition.name), ctx) })
    })
    for (const [job, fn] of Object.entries(plugin.definition.jobs ?? {})) {
      timerHandlers.set(pluginJobName(plugin.definition.name, job), (data, tx) => fn(data, ctx, scopeTx(tx, plugin.definition.name)))
    }
  }
  core.presence = createPresence({ redis, key: core.redisKey, log, onOnline: (userId) => { core.routing.requestRouteForUser(userId).catch(err => log.warn({ err: err.message }, 'routing request failed')) } })
  core.routing = createRouter({ transaction, hooks, strategy: (id) => registry.queueStrategies.get(id), presence: core.presence, enqueue: (job, data, options) => jobs.enqueue(job, data, options), publish, log })
  if (botsLoaded) {
    const bots = createChatbotRuntime(core)
    subscribers.push(...bots.subscribers)
    timerHandlers.set(botHandOverJob, (data, tx) => bots.handOverTimer(data, tx))
  }
  timerHandlers.set(offerTimeoutJob, (data, tx) => core.routing.expireOffer(data, tx))
  timerHandlers.set(finalizeCloseJob, (data, tx) => core.routing.finalizeClose(data, tx))
  const events = createEventDispatcher({ subscribers, jobs, orm, transaction, log })
  const timers = createTimers({ handlers: timerHandlers, jobs, orm, transaction, log })
  dispatchCommitted = (c) => {
    events.dispatch(c.events).catch(err => log.warn({ err: err.message }, 'event dispatch deferred to the sweeper'))
    for (const t of c.timers) timers.enqueue(t).catch(err => log.warn({ err: err.message }, 'timer enqueue deferred to the sweeper'))
  }
  const ingest = createIngest({ orm, hooks, events, transaction, publish, log })
  core.ingest = async (inbound) => {
    try {
      const result = await ingest(inbound)
      metrics.ingested.inc({ result: result.duplicate ? 'duplicate' : 'stored' })
      if (result.conversationOpened && result.openChannelId !== undefined) core.routing.requestRoute(result.openChannelId)
      return result
    } catch (err) {
      metrics.ingested.inc({ result: 'rejected' })
      throw err
    }
  }
  const enqueueDelivery = (outboxId: string): Promise<void> => jobs.enqueue(deliverJob, { outboxId }, { jobId: `out:${outboxId}`, attempts: 10 })
  core.enqueueDelivery = enqueueDelivery
  core.sendMessage = createSend({ transaction, hooks, enqueueDelivery, publish, log })
  app.decorate('core', core)

  await ensureBuiltinRoles(core)

  // Durable work: processors, and a sweeper for whatever a crash or a Redis outage left behind.
  let sweepTimer: NodeJS.Timeout | undefined
  let sweeping = false
  let allRequested = false
  const sweep = async (mode: 'all' | 'due'): Promise<void> => {
    // Without Redis nothing can be enqueued; Redis coming back (or up for the first time) runs sweep('all').
    if (!jobs.healthy()) return
    // A full sweep asked for during a periodic one (Redis just came back) runs right after it.
    if (sweeping) {
      allRequested ||= mode === 'all'
      return
    }
    sweeping = true
    try {
      await events.sweep()
      await timers.sweep(mode)
      // Periodically only rows the after-commit enqueue should long have handled; all of them after a restart or a Redis outage.
      const pending = await (orm.em.fork() as any).execute(`select id::text as id from outbox where status = 'pending' ${mode === 'due' ? "and created_at < now() - interval '2 seconds'" : ''} order by id limit 1000`) as { id: string }[]
      await Promise.all(pending.map(o => enqueueDelivery(o.id)))
      // Waiting conversations get a routing pass even if the trigger that should have started one was lost.
      const waiting = await (orm.em.fork() as any).execute("select distinct open_channel_id::text as id from conversations where status = 'queued'") as { id: string }[]
      for (const w of waiting) core.routing.requestRoute(w.id)
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'sweep incomplete; will retry')
    } finally {
      sweeping = false
      if (allRequested) {
        allRequested = false
        void sweep('all')
      }
    }
  }
  if (config.jobs.process) {
    const deliver = createDeliveryProcessor({ transaction, hooks, secrets: core.secrets, connector: (id) => registry.connectors.get(id), pluginContextOf: core.pluginContextOf, publish, log })
    jobs.register(deliverJob, async (data, meta) => {
      try {
        await deliver(data, meta)
        metrics.delivered.inc({ status: 'done' })
      } catch (err) {
        metrics.delivered.inc({ status: 'retry' })
        throw err
      }
    // Each delivery holds a pooled connection while the provider answers: leave most of the pool to webhooks.
    }, { concurrency: Math.max(1, Math.floor(config.databasePoolMax / 3)) })
    jobs.register(routeJob, async (data) => { await core.routing.route(String(data.openChannelId)) }, { concurrency: 4 })
    events.registerProcessors()
    timers.registerProcessor()
    for (const plugin of plugins) {
      for (const job of Object.keys(plugin.definition.jobs ?? {})) {
        const name = pluginJobName(plugin.definition.name, job)
        const handler = timerHandlers.get(name) as TimerHandler
        jobs.register(name, (data) => transaction(tx => handler(data, tx)))
      }
    }
    jobs.onReconnect(() => { void sweep('all') })
    app.addHook('onReady', async () => {
      void sweep('all')
      sweepTimer = setInterval(() => { void sweep('due') }, config.jobs.sweepIntervalMs)
      sweepTimer.unref()
    })
  }

  await app.register(rateLimit, {
    global: true,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.timeWindowMs,
    redis,
    nameSpace: config.redisPrefix + 'rl:',
    // Redis down must not take the API down with it; webhooks have their own protection (signatures).
    skipOnError: true,
    allowList: (request) => request.url.startsWith('/plugins/') || request.url.startsWith('/health'),
    // A coded error: the GraphQL formatter and the error handler below both know OpenlineError.
    errorResponseBuilder: (_request, context) => new OpenlineError(errorCodes.rateLimited, `Too many requests: try again in ${context.after}`, { statusCode: context.statusCode })
  })

  app.setErrorHandler((error: any, request, reply) => {
    if (error instanceof OpenlineError) return reply.code(error.statusCode).send({ error: error.code, message: error.message, fields: error.fields, requestId: request.id })
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    const masked = status >= 500 && config.environment === 'production'
    return reply.code(status).send({ error: masked ? 'OL_INTERNAL' : error.code ?? (status >= 500 ? 'OL_INTERNAL' : 'OL_BAD_REQUEST'), message: masked ? 'Internal error' : error.message, requestId: request.id })
  })

  const extensions: GraphQLExtension[] = [
    authGraphql,
    openChannelsGraphql,
    { typeDefs: conversationsTypeDefs, resolvers: conversationsResolvers as any },
    routingGraphql,
    conversationActions(core),
    clientsGraphql(core)
  ]
  for (const plugin of plugins) {
    const ext = plugin.definition.graphql?.agent?.(contexts.get(plugin.definition.name) as PluginContext<any>)
    if (ext !== undefined) extensions.push(ext)
  }
  await registerGraphql(app, core, { extensions, emitter })
  const visitorExtensions = plugins.flatMap(p => p.definition.graphql?.visitor?.(contexts.get(p.definition.name) as PluginContext<any>) ?? [])
  await registerVisitorGraphql(app, core, { extensions: visitorExtensions, emitter })
  registerObservability(app, core, metrics)
  await registerFileRoutes(app, core)

  for (const plugin of plugins) {
    const { routes, name } = plugin.definition
    if (routes !== undefined) {
      const ctx = contexts.get(name) as PluginContext<any>
      await app.register(async (child) => { await routes(child, ctx) }, { prefix: `/plugins/${name}` })
    }
  }
  for (const plugin of plugins) await plugin.definition.setup?.(contexts.get(plugin.definition.name) as PluginContext<any>)
  freeze(registry)

  app.addHook('onClose', async () => {
    clearInterval(sweepTimer)
    for (const plugin of [...plugins].reverse()) {
      try {
        await plugin.definition.teardown?.(contexts.get(plugin.definition.name) as PluginContext<any>)
      } catch (err) {
        log.error({ err, plugin: plugin.definition.name }, 'plugin teardown failed')
      }
    }
    await core.presence.close()
    await jobs.close()
    // quit() would wait for a Redis that may be gone (and then reject unhandled): drop the connections instead.
    if (emitter.pubConn.status === 'ready' && emitter.subConn.status === 'ready') await new Promise<void>(resolve => emitter.close(() => resolve()))
    else for (const conn of [emitter.pubConn, emitter.subConn]) conn.disconnect()
    redis.disconnect()
    await orm.close()
  })
  return app
}
