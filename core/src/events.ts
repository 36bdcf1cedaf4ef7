import type { Logger, Tx } from '@openline/sdk'
import type { MikroORM } from '@mikro-orm/postgresql'
import type { JobPort } from './core.ts'

/** One subscriber of one event; its job name is its key, so each has its own queue and retries. */
export interface SubscriberEntry {
  key: string
  eventName: string
  run: (payload: any, tx: Tx) => Promise<void>
}

export interface EventDispatcher {
  hasSubscribers: (eventName: string) => boolean
  /** Enqueue one job per (event, subscriber); mark the events dispatched once Redis took them all. */
  dispatch: (events: { id: string, name: string }[]) => Promise<void>
  /** Re-dispatch events a crash or a Redis outage left undispatched. */
  sweep: () => Promise<number>
  registerProcessors: () => void
}

export function createEventDispatcher (deps: {
  subscribers: SubscriberEntry[]
  jobs: JobPort
  orm: MikroORM
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>
  log: Logger
}): EventDispatcher {
  const byEvent = new Map<string, SubscriberEntry[]>()
  for (const s of deps.subscribers) byEvent.set(s.eventName, [...(byEvent.get(s.eventName) ?? []), s])
  const execute = (sql: string, params: unknown[]) => (deps.orm.em.fork() as any).execute(sql, params) as Promise<any[]>

  async function dispatch (events: { id: string, name: string }[]): Promise<void> {
    if (events.length === 0) return
    await Promise.all(events.flatMap(e => (byEvent.get(e.name) ?? []).map(s =>
      deps.jobs.enqueue(s.key, { eventId: e.id }, { jobId: `ev:${e.id}:${s.key}` }))))
    const ids = events.map(e => e.id)
    await execute(`update events set dispatched_at = now() where id in (${ids.map(() => '?').join(', ')})`, ids)
  }

  return {
    hasSubscribers: (name) => byEvent.has(name),
    dispatch,
    async sweep () {
      const rows = await execute('select id::text as id, name from events where dispatched_at is null order by id limit 1000', []) as { id: string, name: string }[]
      await dispatch(rows)
      return rows.length
    },
    registerProcessors () {
      for (const s of deps.subscribers) {
        deps.jobs.register(s.key, async ({ eventId }) => {
          await deps.transaction(async (tx) => {
            // The delivery row commits with the subscriber's own writes: once per event, even if the job runs twice.
            const claimed = await tx.query('insert into event_deliveries (event_id, subscriber) values (?, ?) on conflict do nothing returning event_id', [eventId, s.key])
            if (claimed.length === 0) return
            const [event] = await tx.query<{ payload: unknown }>('select payload from events where id = ?', [eventId])
            if (event === undefined) return
            await s.run(event.payload, tx)
          })
        })
      }
    }
  }
}
