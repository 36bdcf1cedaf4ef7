import type { MikroORM } from '@mikro-orm/postgresql'
import type { EntityManager } from '@mikro-orm/core'
import type { Logger, Tx, TimerSpec } from '@openline/sdk'

/** What a committed transaction leaves for the dispatcher. */
export interface Committed {
  events: { id: string, name: string }[]
  timers: { id: string, dueAt: Date }[]
}

export interface TransactionDeps {
  orm: MikroORM
  log: Logger
  /** Names of events that have at least one subscriber; others are stored as already dispatched. */
  hasSubscribers: (eventName: string) => boolean
  onCommitted: (committed: Committed) => void
}

interface TxState {
  events: { name: string, payload: unknown }[]
  timers: { id: string, dueAt: Date }[]
  after: (() => void | Promise<void>)[]
}

function makeTx (em: EntityManager, state: TxState): Tx {
  const query = async <Row>(sql: string, params: unknown[] = []): Promise<Row[]> => (em as any).execute(sql, params) as Promise<Row[]>
  // Held until commit: scheduling and cancelling one key happen one transaction after the other.
  const lockTimerKey = (key: string): Promise<unknown> => query('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`openline.timer:${key}`])
  return {
    em,
    query,
    emit (event, payload) {
      state.events.push({ name: event.name, payload })
    },
    async schedule (timer: TimerSpec) {
      // Concurrent schedules of one key queue up here instead of racing into the one-pending-per-key index.
      await lockTimerKey(timer.key)
      await query('update timers set cancelled_at = now() where key = ? and fired_at is null and cancelled_at is null', [timer.key])
      const [row] = await query<{ id: string }>(
        'insert into timers (job, key, due_at, data, conversation_id) values (?, ?, ?, ?::jsonb, ?) returning id',
        [timer.job, timer.key, timer.dueAt, JSON.stringify(timer.data ?? {}), timer.conversationId ?? null])
      state.timers.push({ id: row.id, dueAt: timer.dueAt })
      return row.id
    },
    async cancelTimers (key) {
      await lockTimerKey(key)
      const rows = await query('update timers set cancelled_at = now() where key = ? and fired_at is null and cancelled_at is null returning id', [key])
      return rows.length
    },
    afterCommit (fn) {
      state.after.push(fn)
    }
  }
}

/**
 * Events are inserted in one statement at the end of the transaction, just before commit.
 * An event nobody subscribes to has nothing to dispatch and is not stored.
 */
async function recordEvents (em: EntityManager, state: TxState, hasSubscribers: (name: string) => boolean): Promise<Committed['events']> {
  const wanted = state.events.filter(e => hasSubscribers(e.name))
  if (wanted.length === 0) return []
  const params: unknown[] = []
  const values = wanted.map(e => {
    params.push(e.name, JSON.stringify(e.payload))
    return '(?, ?::jsonb)'
  })
  return await (em as any).execute(`insert into events (name, payload) values ${values.join(', ')} returning id, name`, params) as { id: string, name: string }[]
}

export function createTransactionRunner (deps: TransactionDeps): <T>(fn: (tx: Tx) => Promise<T>) => Promise<T> {
  return async function transaction<T> (fn: (tx: Tx) => Promise<T>): Promise<T> {
    const state: TxState = { events: [], timers: [], after: [] }
    let events: Committed['events'] = []
    const result = await deps.orm.em.fork().transactional(async (em) => {
      const value = await fn(makeTx(em, state))
      await em.flush()
      events = await recordEvents(em, state, deps.hasSubscribers)
      return value
    })
    if (events.length > 0 || state.timers.length > 0) deps.onCommitted({ events, timers: state.timers })
    for (const fn of state.after) {
      try {
        await fn()
      } catch (err) {
        deps.log.error({ err }, 'after-commit callback failed')
      }
    }
    return result
  }
}
