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

  client.on('ready', () => {
    if (everReady) {
      log.info('redis is back: re-enqueueing missed work')
      for (const fn of reconnectListeners) fn()
    }
    everReady = true
  })
  client.on('error', (err) => { if (!closing) log.warn({ err: err.message }, 'redis client error') })
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
        backoffStrategies: {
          // A processor may throw an error carrying retryAfterMs (a provider's 429): honour it.
          steered: (attemptsMade: number, err: Error & { retryAfterMs?: number }, opts?: { baseMs?: number }) =>
            err?.retryAfterMs ?? Math.min((opts?.baseMs ?? 500) * 2 ** (attemptsMade - 1), 5 * 60_000)
        }
      }
    })
    q.on('error', (err) => { if (!closing) log.warn({ queue: name, err: err.message }, 'queue error') })
    queues.set(name, q)
    return q
  }

  return {
    client,
    register (name, processor, opts = {}) {
      queue(name).process(opts.concurrency ?? 8, async (job) => {
        await processor(job.data, { attempt: job.attemptsMade + 1, jobId: String(job.id), attempts: job.opts.attempts ?? 1 })
      })
    },
    async enqueue (name, data, opts = {}) {
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
      await Promise.allSettled([...queues.values()].map(q => q.close()))
      for (const conn of [client, subscriber, ...blocking]) conn.disconnect()
    }
  }
}
