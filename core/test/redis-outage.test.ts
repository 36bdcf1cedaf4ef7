// Issue #2: Redis stopped at run time. Webhooks still accept and commit messages, agent replies are
// stored with their outbox row, and once Redis is back the deliveries, event subscribers and timers
// that came due during the outage all run, exactly once. Redis here is a private redis-server this
// test stops and starts itself (it keeps nothing across a restart, like a Redis that lost its data).
import t from 'tap'
import { buildTestApp, startRedisServer, startFakeProvider, testConnectorPlugin, type TestApp, type FakeProvider, type RedisServer, type AgentClient } from '@openline/testing'
import { durablePlugin } from './fixtures/durablePlugin.ts'
import { sql, count, waitFor, webhook, connectTestChannel, sendReply, schedule } from './fixtures/helpers.ts'

// A hang detector, not a speed assertion: each request must not wait for Redis.
const hangBoundMs = 3000

let redis: RedisServer
let provider: FakeProvider
let h: TestApp
let admin: AgentClient
let connectionId: string

t.before(async () => {
  redis = await startRedisServer()
  provider = await startFakeProvider()
  h = await buildTestApp({ config: { redisUrl: redis.url, jobs: { sweepIntervalMs: 200 } }, plugins: [testConnectorPlugin, durablePlugin] })
  ;({ admin, connectionId } = await connectTestChannel(h, provider))
})
t.teardown(async () => {
  // The harness clears the test's Redis keys on close: Redis must be up for that.
  await redis?.start()
  await h?.close()
  await provider?.close()
  await redis?.stop()
})

const seen = (subscriber: string, ref: string): Promise<number> =>
  count(h, 'select count(*)::int as n from durable_fixture_seen where subscriber = ? and ref = ?', [subscriber, ref])
const fired = (key: string): Promise<number> => count(h, 'select count(*)::int as n from durable_fixture_fired where key = ?', [key])

t.test('the pipeline works before the outage', async (t) => {
  const res = await webhook(h.url, connectionId, { userId: 'warm', messageId: 'warm-1', text: 'hello' })
  t.equal(res.status, 200)
  await waitFor('steady subscriber on the warm-up message', async () => (await seen('steady', res.body.messageId)) === 1)
  t.pass('subscribers run while Redis is up')
})

// Two outages in a row: the second proves the reconnect handling is not a one-shot.
for (const round of [1, 2]) {
  t.test(`outage ${round}: the app keeps accepting work and catches up after Redis returns`, async (t) => {
    const userId = `client-${round}`
    const first = await webhook(h.url, connectionId, { userId, messageId: `r${round}-pre`, text: 'before the outage' })
    t.equal(first.status, 200)
    const conversationId: string = first.body.conversationId
    await waitFor('steady subscriber before the outage', async () => (await seen('steady', first.body.messageId)) === 1)
    // Enqueued in Redis before the outage, due during it; the restarted Redis will have lost the delayed job.
    const earlyKey = `outage-${round}-early`
    await schedule(admin, earlyKey, 1200, 'early')

    await redis.stop()
    await waitFor('the job port to notice Redis is gone', async () => !h.core.jobs.healthy(), 5000)

    // Commands bull's client holds for Redis (bull's own periodic checks add a few per queue).
    const offlineQueue = (): number => (h.core.jobs as unknown as { client: { offlineQueue: { length: number } } }).client.offlineQueue.length
    const queuedBefore = offlineQueue()
    const inbound: { messageId: string, ms: number }[] = []
    for (let i = 0; i < 12; i++) {
      const res = await webhook(h.url, connectionId, { userId: i % 2 === 0 ? userId : `${userId}-new`, messageId: `r${round}-during-${i}`, text: `during the outage ${i}` })
      t.equal(res.status, 200, `webhook ${i} accepted`)
      t.ok(res.ms < hangBoundMs, `webhook ${i} answered in ${res.ms} ms`)
      inbound.push({ messageId: res.body.messageId, ms: res.ms })
    }
    const stored = await sql(h, "select m.body from messages m where m.external_id like ? order by m.id", [`r${round}-during-%`])
    t.same(stored.map(r => r.body), inbound.map((_m, i) => `during the outage ${i}`), 'every message is committed in PostgreSQL')

    let started = Date.now()
    const replyId = await sendReply(admin, conversationId, `reply during outage ${round}`)
    t.ok(Date.now() - started < hangBoundMs, `sendMessage answered in ${Date.now() - started} ms`)
    const [outbox] = await sql(h, 'select o.status, m.delivery_status from outbox o join messages m on m.id = o.message_id where o.message_id = ?', [replyId])
    t.same(outbox, { status: 'pending', delivery_status: 'pending' }, 'the reply is stored with its outbox row')

    const duringKey = `outage-${round}-during`
    started = Date.now()
    await schedule(admin, duringKey, 300, 'during')
    t.ok(Date.now() - started < hangBoundMs, `scheduling a timer answered in ${Date.now() - started} ms`)
    // 24 subscriber jobs, a delivery and a timer could not be enqueued: none of them waits in memory for
    // Redis (that would grow without bound in a long outage); PostgreSQL has them for the sweeper.
    const piled = offlineQueue() - queuedBefore
    t.ok(piled <= 8, `${piled} commands piled up for Redis during the outage`)

    // Both timers come due while Redis is still down; nothing can run yet.
    await waitFor('both timers due', async () => (await count(h, 'select count(*)::int as n from timers where key in (?, ?) and due_at <= now()', [earlyKey, duringKey])) === 2, 5000)
    t.equal(await fired(earlyKey) + await fired(duringKey), 0, 'no timer fired without Redis')
    t.equal(provider.sent().filter(s => s.text === `reply during outage ${round}`).length, 0, 'nothing delivered without Redis')
    t.equal(await count(h, 'select count(*)::int as n from durable_fixture_seen where subscriber = ? and ref in (' + inbound.map(() => '?').join(',') + ')', ['steady', ...inbound.map(m => m.messageId)]), 0, 'no subscriber ran without Redis')

    await redis.start()

    await waitFor('the reply delivered', async () => provider.sent().some(s => s.text === `reply during outage ${round}`), 15_000)
    for (const m of inbound) await waitFor(`steady subscriber for ${m.messageId}`, async () => (await seen('steady', m.messageId)) >= 1, 15_000)
    await waitFor('the early timer fired', async () => (await fired(earlyKey)) >= 1, 15_000)
    await waitFor('the timer scheduled during the outage fired', async () => (await fired(duringKey)) >= 1, 15_000)
    await waitFor('the outbox row marked sent', async () => {
      const [row] = await sql(h, 'select status from outbox where message_id = ?', [replyId])
      return row.status === 'sent'
    }, 15_000)

    // Let several sweeps (every 200 ms) and the reconnect re-enqueueing play out, then count.
    await new Promise(resolve => setTimeout(resolve, 1500))
    t.equal(provider.sent().filter(s => s.text === `reply during outage ${round}`).length, 1, 'the client got the reply once')
    for (const m of inbound) {
      t.equal(await seen('steady', m.messageId), 1, `steady subscriber ran once for ${m.messageId}`)
      t.equal(await seen('flaky', m.messageId), 1, `second subscriber ran once for ${m.messageId}`)
    }
    t.equal(await seen('delivery', replyId), 1, 'the delivery event reached its subscriber once')
    t.equal(await fired(earlyKey), 1, 'the timer enqueued before the outage fired once')
    t.equal(await fired(duringKey), 1, 'the timer scheduled during the outage fired once')
    t.equal(await count(h, 'select count(*)::int as n from events where dispatched_at is null'), 0, 'every event is dispatched')
    t.equal(h.core.jobs.healthy(), true)
  })
}
