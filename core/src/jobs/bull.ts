import Queue from 'bull'
import { Redis, type RedisOptions } from 'ioredis'
import type { Logger } from '@openline/sdk'
import type { JobPort } from '../core.ts'

export interface BullJobsOptions {
  redisUrl: string
  /** Key prefix shared by every queue of this deployment (or test). */
  prefix: string
  log: Logger
  /** How long `enqueue` waits for Redis before giving up (the data is safe in PostgreSQL). */
  enqueueTimeoutMs?: number
  /**
   * A worker's lock on a running job; renewed every half of it while the worker lives. After a crash
   * the job goes back to the queue once the lock expired and a stalled check (every
   * `stalledIntervalMs`) saw it twice: with bull's defaults (30 s + 30 s) a delivery interrupted by a
   * crash waited up to a minute. Every processor is idempotent (row locks, guarded updates), so a
   * job wrongly taken for stalled only costs a no-op run.
   */
  lockDurationMs?: number
  stalledIntervalMs?: number
}

// Bull's subscriber and blocking connections must retry forever and skip the ready check.
const bullRedisOptions: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: false }
const defaultAttempts = 8

/** The job port on bull: one queue per job name, retries with back-off a processor can steer. */
export function createBullJobs (options: BullJobsOptions): JobPort & { client: Redis } {
  const { log } = options
  const client = new Redis(options.redisUrl, bullRedisOptions)
  const subscriber = new Redis(options.redisUrl, bullRedisOptions)
  const blocking: Redis[] = []
  const queues = new Map<string, Queue.Queue>()
  const reconnectListeners: (() => void)[] = []
  let everReady = false
  let closing = false

  // Every queue adds its listeners to the shared connections.
  client.setMaxListeners(0)
  subscriber.setMaxListeners(0)
  // Set by a connection error, cleared when Redis is ready again; the outage is logged once, not per
  // queue per retry. While Redis is away (lost, or never reached at boot), enqueue fails at once
  // instead of piling commands into ioredis' offline queue: PostgreSQL holds the work and the
  // sweeper re-enqueues it when Redis is back.
  let unavailable = false
  const warnOnce = (err: Error, queue?: string): void => {
    if (closing) return
    if (client.status === 'ready') {
      log.warn({ err: err.message, queue }, 'queue error')
      return
    }
    if (unavailable) return
    unavailable = true
    log.warn({ err: err.message, queue }, 'redis unavailable: jobs wait; PostgreSQL keeps the work and the sweeper re-enqueues it')
  }
  client.on('ready', () => {
    if (everReady) log.info('redis is back: re-enqueueing missed work')
    everReady = true
    unavailable = false
    // On the first ready too: a boot sweep that ran before Redis was up could not enqueue anything.
    for (const fn of reconnectListeners) fn()
  })
  client.on('error', (err) => warnOnce(err))
  subscriber.on('error', () => {})

  function queue (name: string): Queue.Queue {
    let q = queues.get(name)
    if (q !== undefined) return q
    q = new Queue(name, {
      prefix: options.prefix + 'bull',
      createClient (type) {
        if (type === 'client') return client
        if (type === 'subscriber') return subscriber
        const conn = new Redis(options.redisUrl, bullRedisOptions)
        conn.on('error', () => {})
        blocking.push(conn)
        return conn
      },
      settings: {
        lockDuration: options.lockDurationMs ?? 10_000,
        stalledInterval: options.stalledIntervalMs ?? 5_000,
        // Bull fails a job the second time its worker dies under it; the job id then stays taken by the
        // failed job, so the sweeper cannot re-enqueue the still-pending row. Re-running is safe here.
        maxStalledCount: 5,
        backoffStrategies: {
          // A processor may throw an error carrying retryAfterMs (a provider's 429): honour it.
          steered: (attemptsMade: number, err: Error & { retryAfterMs?: number }, opts?: { baseMs?: number }) =>
            err?.retryAfterMs ?? Math.min((opts?.baseMs ?? 500) * 2 ** (attemptsMade - 1), 5 * 60_000)
        }
      }
    })
    q.on('error', (err) => warnOnce(err, name))
    queues.set(name, q)
    return q
  }

  return {
    client,
    register (name, processor, opts = {}) {
      queue(name).process(opts.concurrency ?? 8, async (job) => {
        const meta = { attempt: job.attemptsMade + 1, jobId: String(job.id), attempts: job.opts.attempts ?? 1 }
        try {
          await processor(job.data, meta)
        } catch (err) {
          // Retries are routine (a provider's 5xx); the last failure is work given up on: say so loudly.
          if (meta.attempt >= meta.attempts) log.error({ queue: name, jobId: meta.jobId, attempts: meta.attempts, err: (err as Error).message }, 'job failed for good')
          else log.debug({ queue: name, jobId: meta.jobId, attempt: meta.attempt, err: (err as Error).message }, 'job failed; will retry')
          throw err
        }
      })
    },
    async enqueue (name, data, opts = {}) {
      if ((everReady || unavailable) && client.status !== 'ready') throw new Error(`redis is unavailable: job ${name} left to the sweeper`)
      const add = queue(name).add(data, {
        jobId: opts.jobId,
        delay: opts.delayMs !== undefined && opts.delayMs > 0 ? Math.ceil(opts.delayMs) : undefined,
        attempts: opts.attempts ?? defaultAttempts,
        backoff: { type: 'steered', options: { baseMs: opts.backoffMs ?? 500 } } as any,
        removeOnComplete: true,
        removeOnFail: 1000
      })
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`redis did not take job ${name} in time`)), options.enqueueTimeoutMs ?? 3000)
      })
      try {
        await Promise.race([add, timeout])
      } finally {
        clearTimeout(timer)
      }
    },
    healthy: () => client.status === 'ready',
    onReconnect (fn) { reconnectListeners.push(fn) },
    async close () {
      closing = true
      // Without Redis, running jobs cannot complete anyway (they are retried from their lock's expiry),
      // and waiting for them makes bull reconnect its blocking connections and leave that promise
      // unhandled once they are closed: a crash on shutdown.
      const redisUp = client.status === 'ready'
      await Promise.allSettled([...queues.values()].map(q => q.close(!redisUp)))
      for (const conn of [client, subscriber, ...blocking]) conn.disconnect()
    }
  }
}
