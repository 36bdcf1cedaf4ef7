import { Registry, collectDefaultMetrics, Counter, Histogram } from 'prom-client'
import type { FastifyInstance } from 'fastify'
import type { Core } from './core.ts'

export interface Metrics {
  registry: Registry
  ingested: Counter<'result'>
  delivered: Counter<'status'>
}

/** Prometheus metrics per app instance (tests build many apps in one process). */
export function createMetrics (): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'openline_' })
  return {
    registry,
    ingested: new Counter({ name: 'openline_inbound_messages_total', help: 'Inbound messages by result', labelNames: ['result'], registers: [registry] }),
    delivered: new Counter({ name: 'openline_deliveries_total', help: 'Outbound delivery attempts by outcome', labelNames: ['status'], registers: [registry] })
  }
}

async function within<T> (ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([work, new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms) })])
  } finally {
    clearTimeout(timer)
  }
}

/** `/health/live`, `/health/ready` (PostgreSQL and Redis answer) and `/metrics`. */
export function registerObservability (app: FastifyInstance, core: Core, metrics: Metrics): void {
  const duration = new Histogram({
    name: 'openline_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [metrics.registry]
  })
  app.addHook('onResponse', async (request, reply) => {
    duration.observe({ method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000)
  })
  app.get('/health/live', async () => ({ status: 'ok' }))
  app.get('/health/ready', async (_request, reply) => {
    const checks: Record<string, string> = {}
    await Promise.all([
      within(1000, (core.orm.em.fork() as any).execute('select 1')).then(() => { checks.postgres = 'ok' }, (err: Error) => { checks.postgres = err.message }),
      within(1000, core.redis.ping()).then(() => { checks.redis = 'ok' }, (err: Error) => { checks.redis = err.message })
    ])
    const ready = checks.postgres === 'ok' && checks.redis === 'ok'
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks })
  })
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })
}
