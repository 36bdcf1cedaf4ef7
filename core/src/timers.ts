import type { Logger, Tx } from '@openline/sdk'
import type { MikroORM } from '@mikro-orm/postgresql'
import type { JobPort } from './core.ts'

export const timerJob = 'core.timer'

export type TimerHandler = (data: Record<string, unknown>, tx: Tx) => Promise<void>

export interface Timers {
  enqueue: (timer: { id: string, dueAt: Date }) => Promise<void>
  /** `all`: every pending timer (after a restart or a Redis loss); otherwise only overdue ones. */
  sweep: (mode: 'all' | 'due') => Promise<number>
  registerProcessor: () => void
}

/**
 * A timer is a row; the bull delayed job only triggers it. Firing is a guarded update in the
 * same transaction as the handler's work, so a timer fires once however often it is triggered.
 */
export function createTimers (deps: {
  handlers: Map<string, TimerHandler>
  jobs: JobPort
  orm: MikroORM
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>
  log: Logger
}): Timers {
  const execute = (sql: string, params: unknown[]) => (deps.orm.em.fork() as any).execute(sql, params) as Promise<any[]>

  async function enqueue (timer: { id: string, dueAt: Date }): Promise<void> {
    const due = new Date(timer.dueAt)
    await deps.jobs.enqueue(timerJob, { timerId: timer.id }, { jobId: `tm:${timer.id}:${due.getTime()}`, delayMs: due.getTime() - Date.now() })
  }

  return {
    enqueue,
    async sweep (mode) {
      const rows = await execute(
        `select id::text as id, due_at from timers where fired_at is null and cancelled_at is null ${mode === 'due' ? 'and due_at <= now()' : ''} order by due_at limit 10000`, [])
      await Promise.all(rows.map(r => enqueue({ id: r.id, dueAt: r.due_at })))
      return rows.length
    },
    registerProcessor () {
      deps.jobs.register(timerJob, async ({ timerId }) => {
        const early = await deps.transaction(async (tx) => {
          const [timer] = await tx.query<{ job: string, data: Record<string, unknown> }>(
            'update timers set fired_at = now() where id = ? and fired_at is null and cancelled_at is null and due_at <= now() returning job, data', [timerId])
          if (timer === undefined) {
            const [pending] = await tx.query<{ due_at: Date }>('select due_at from timers where id = ? and fired_at is null and cancelled_at is null', [timerId])
            return pending?.due_at ?? null
          }
          const handler = deps.handlers.get(timer.job)
          if (handler === undefined) {
            deps.log.error({ timerId, job: timer.job }, 'timer fired for an unknown job; marked fired')
            return null
          }
          await handler(timer.data, tx)
          return null
        })
        // Triggered before its time (clock skew): the periodic sweep fires it when due.
        if (early !== null) deps.log.debug({ timerId }, 'timer triggered early')
      }, { concurrency: 16 })
    }
  }
}
