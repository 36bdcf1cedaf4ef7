// Issue #2: durable timers. A timer fires exactly once after the app is restarted and after Redis is
// flushed or restarted while the timer is pending; rescheduling by key replaces, cancelTimers stops.
// The fixture plugin's `fire` job records each firing in its own table.
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { buildTestApp, startRedisServer, testConnectorPlugin, type TestApp, type RedisServer, type AgentClient } from '@openline/testing'
import { durablePlugin } from './fixtures/durablePlugin.ts'
import { sql, count, waitFor, schedule, cancelMutation } from './fixtures/helpers.ts'

let redis: RedisServer
let h: TestApp
let admin: AgentClient

t.before(async () => {
  redis = await startRedisServer()
  h = await buildTestApp({ config: { redisUrl: redis.url, jobs: { sweepIntervalMs: 200 } }, plugins: [testConnectorPlugin, durablePlugin] })
  admin = await h.login(h.admin.email, h.admin.password)
})
t.teardown(async () => {
  await redis?.start()
  await h?.close()
  await redis?.stop()
})

const firings = (key: string): Promise<{ tag: string, late_ms: number }[]> =>
  sql(h, 'select tag, (extract(epoch from (at - due_at)) * 1000)::int as late_ms from durable_fixture_fired where key = ? order by id', [key])
const fired = (key: string): Promise<number> => count(h, 'select count(*)::int as n from durable_fixture_fired where key = ?', [key])
/** Wait for `key` to fire, then long enough for a duplicate (several sweeps) before counting. */
async function firedOnce (t: Test, key: string, timeoutMs = 15_000): Promise<{ tag: string, late_ms: number }[]> {
  await waitFor(`timer ${key} to fire`, async () => (await fired(key)) > 0, timeoutMs)
  await new Promise(resolve => setTimeout(resolve, 1000))
  const rows = await firings(key)
  t.equal(rows.length, 1, `timer ${key} fired exactly once`)
  return rows
}

t.test('a timer fires once, not before it is due', async (t) => {
  const id = await schedule(admin, 'basic', 600, 'basic')
  const [row] = await firedOnce(t, 'basic')
  t.ok(row.late_ms >= 0, `fired ${row.late_ms} ms after due`)
  const [timer] = await sql(h, 'select fired_at is not null as fired, cancelled_at is null as live from timers where id = ?', [id])
  t.same(timer, { fired: true, live: true })
})

t.test('extra triggers of the same timer do not fire it again', async (t) => {
  const id = await schedule(admin, 'triggered', 500, 'triggered')
  // Five more triggers with their own job ids at the due time, and one early: the guarded update fires it once.
  for (let i = 0; i < 5; i++) await h.core.jobs.enqueue('core.timer', { timerId: id }, { jobId: `extra:${id}:${i}`, delayMs: 500 })
  await h.core.jobs.enqueue('core.timer', { timerId: id }, { jobId: `extra:${id}:early` })
  await firedOnce(t, 'triggered')
  for (let i = 0; i < 3; i++) await h.core.jobs.enqueue('core.timer', { timerId: id }, { jobId: `extra:${id}:late:${i}` })
  await new Promise(resolve => setTimeout(resolve, 500))
  t.equal(await fired('triggered'), 1, 'triggers after it fired are no-ops')
})

t.test('rescheduling with the same key replaces the pending timer', async (t) => {
  const oldId = await schedule(admin, 'moved', 500, 'old')
  const newId = await schedule(admin, 'moved', 1200, 'new')
  t.not(newId, oldId)
  // The old one was due first: had it survived, it would have fired before the new one.
  const rows = await firedOnce(t, 'moved')
  t.equal(rows[0].tag, 'new', 'only the replacement fired')
  const [old] = await sql(h, 'select cancelled_at is not null as cancelled, fired_at is null as unfired from timers where id = ?', [oldId])
  t.same(old, { cancelled: true, unfired: true })
})

t.test('concurrent rescheduling of one key leaves one pending timer', async (t) => {
  // E.g. every incoming message pushing an auto-close deadline back, several at once.
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => admin.query<{ durableFixtureSchedule: string }>(
    'mutation($k: String!, $d: Int!, $t: String) { durableFixtureSchedule(key: $k, dueInMs: $d, tag: $t) }', { k: 'raced', d: 700, t: `racer-${i}` })))
  t.same(results.filter(r => r.errors !== undefined).map(r => r.errors), [], 'every schedule succeeded')
  t.equal(await count(h, "select count(*)::int as n from timers where key = 'raced' and fired_at is null and cancelled_at is null"), 1, 'one pending timer')
  await firedOnce(t, 'raced')
})

t.test('cancelTimers stops a pending timer', async (t) => {
  await schedule(admin, 'cancelled', 400, 'cancelled')
  const res = await admin.query<{ durableFixtureCancel: number }>(cancelMutation, { k: 'cancelled' })
  t.equal(res.data?.durableFixtureCancel, 1, 'one timer cancelled')
  t.equal((await admin.query<{ durableFixtureCancel: number }>(cancelMutation, { k: 'cancelled' })).data?.durableFixtureCancel, 0, 'nothing left to cancel')
  // A sentinel due after the cancelled one: once it fired, the cancelled one would have too.
  await schedule(admin, 'cancel-sentinel', 1000, 'sentinel')
  await firedOnce(t, 'cancel-sentinel')
  t.equal(await fired('cancelled'), 0, 'the cancelled timer never fired')
})

t.test('a timer pending across an app restart fires once', async (t) => {
  await schedule(admin, 'across-restart', 1500, 'restart')
  // Due while the app is down: the restarted app finds it in PostgreSQL (and bull's delayed job may still exist).
  await schedule(admin, 'due-while-down', 200, 'down')
  const dueAt = Date.now() + 200
  await h.app.close()
  // The app (and its database pool) is down: let the timer come due before starting again.
  await new Promise(resolve => setTimeout(resolve, Math.max(0, dueAt + 300 - Date.now())))
  await h.restart()
  admin = await h.login(h.admin.email, h.admin.password)
  await firedOnce(t, 'due-while-down')
  await firedOnce(t, 'across-restart')
})

t.test('a timer pending while Redis is flushed fires once', async (t) => {
  await schedule(admin, 'flushed', 1500, 'flushed')
  const direct = new Redis(redis.url)
  try {
    await direct.flushall()
  } finally {
    direct.disconnect()
  }
  // The delayed job is gone with the flush; the periodic sweep re-enqueues the timer from PostgreSQL once due.
  await firedOnce(t, 'flushed')
})

t.test('a timer pending while Redis is stopped (losing its data) and restarted fires once', async (t) => {
  await schedule(admin, 'redis-restart', 2000, 'redis-restart')
  await schedule(admin, 'redis-restart-soon', 300, 'soon')
  await redis.stop()
  await waitFor('the early timer due', async () => (await count(h, "select count(*)::int as n from timers where key = 'redis-restart-soon' and due_at < now()")) === 1)
  await redis.start()
  await firedOnce(t, 'redis-restart-soon')
  await firedOnce(t, 'redis-restart')
  t.equal(await count(h, 'select count(*)::int as n from timers where fired_at is null and cancelled_at is null and due_at < now()'), 0, 'no due timer left pending')
})
