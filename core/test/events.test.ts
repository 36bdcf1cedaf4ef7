// Issue #2: every subscriber runs as its own durable job. A failing subscriber does not hold up
// another subscriber of the same event, is retried until it succeeds, and its side effect commits
// once; an event dispatched twice still runs each subscriber once.
import t from 'tap'
import { Redis } from 'ioredis'
import { buildTestApp, startFakeProvider, testConnectorPlugin, type TestApp, type FakeProvider } from '@openline/testing'
import { coreEvents } from '@openline/sdk'
import { durablePlugin, calls } from './fixtures/durablePlugin.ts'
import { sql, count, waitFor, webhook, connectTestChannel } from './fixtures/helpers.ts'

let h: TestApp
let provider: FakeProvider
let connectionId: string

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({ config: { jobs: { sweepIntervalMs: 200 } }, plugins: [testConnectorPlugin, durablePlugin] })
  ;({ connectionId } = await connectTestChannel(h, provider))
})
t.teardown(async () => {
  await h?.close()
  await provider?.close()
})

const rows = (subscriber: string, ref: string): Promise<{ detail: string, ms: number }[]> =>
  sql(h, 'select detail, extract(epoch from at)::float8 * 1000 as ms from durable_fixture_seen where subscriber = ? and ref = ? order by id', [subscriber, ref])
const steadyKey = 'durable-fixture:on:message.received'
const flakyKey = 'durable-fixture:on:message.received:1'

t.test('a failing subscriber neither blocks its sibling nor loses its work', async (t) => {
  const res = await webhook(h.url, connectionId, { userId: 'ev-1', messageId: 'ev-flaky', text: 'flaky message' })
  t.equal(res.status, 200)
  const messageId: string = res.body.messageId

  await waitFor('the steady subscriber', async () => (await rows('steady', messageId)).length === 1)
  t.equal((await rows('flaky', messageId)).length, 0, 'the steady subscriber finished while the flaky one was still failing')

  await waitFor('the flaky subscriber to succeed', async () => (await rows('flaky', messageId)).length > 0, 15_000)
  await new Promise(resolve => setTimeout(resolve, 1000))
  const flaky = await rows('flaky', messageId)
  t.same(flaky.map(r => r.detail), ['attempt 3'], 'two failed attempts rolled back their writes; the third committed once')
  t.equal(calls.get(`flaky:${messageId}`), 3, 'the flaky subscriber was called three times')
  t.equal(calls.get(`steady:${messageId}`), 1, 'the steady subscriber was called once')
  const steady = await rows('steady', messageId)
  t.equal(steady.length, 1)
  // Bull's back-off (500 ms, then 1 s) lies between the two commits.
  t.ok(flaky[0].ms - steady[0].ms >= 1000, `the sibling did not wait for the retries (${Math.round(flaky[0].ms - steady[0].ms)} ms apart)`)

  const [event] = await sql(h, "select id::text as id from events where name = 'message.received' and payload->>'messageId' = ?", [messageId])
  const deliveries = await sql(h, 'select subscriber from event_deliveries where event_id = ? order by subscriber', [event.id])
  t.same(deliveries.map(d => d.subscriber), [steadyKey, flakyKey], 'one delivery row per subscriber')
})

t.test('an event dispatched again does not run its subscribers again', async (t) => {
  const res = await webhook(h.url, connectionId, { userId: 'ev-2', messageId: 'ev-again', text: 'plain message' })
  const messageId: string = res.body.messageId
  await waitFor('both subscribers', async () => (await rows('steady', messageId)).length === 1 && (await rows('flaky', messageId)).length === 1)
  const [event] = await sql(h, "select id::text as id from events where name = 'message.received' and payload->>'messageId' = ?", [messageId])

  // As if the dispatcher had crashed before recording the dispatch: the sweeper enqueues the jobs again.
  await sql(h, 'update events set dispatched_at = null where id = ?', [event.id])
  await waitFor('the sweeper re-dispatched the event', async () => (await count(h, 'select count(*)::int as n from events where id = ? and dispatched_at is not null', [event.id])) === 1, 5000)
  // The re-enqueued jobs ran (and bull removed them) once their keys are gone.
  const redis = new Redis(h.config.redisUrl)
  try {
    const jobKeys = [steadyKey, flakyKey].map(k => `${h.config.redisPrefix}bull:${k}:ev:${event.id}:${k}`)
    await waitFor('the re-dispatched jobs to complete', async () => (await redis.exists(...jobKeys)) === 0, 5000)
  } finally {
    redis.disconnect()
  }
  t.equal((await rows('steady', messageId)).length, 1, 'steady subscriber ran once')
  t.equal((await rows('flaky', messageId)).length, 1, 'flaky subscriber ran once')
  t.equal(calls.get(`steady:${messageId}`), 1, 'the handler was not even called again')
})

t.test('events of a rolled-back transaction are never dispatched', async (t) => {
  const before = await count(h, 'select count(*)::int as n from events')
  await t.rejects(h.core.transaction(async (tx) => {
    tx.emit(coreEvents.messageReceived, { messageId: '999999', conversationId: '1', openChannelId: '1', clientId: '1', connectionId: '1', conversationOpened: false, openChannelActive: true })
    throw new Error('roll back')
  }), /roll back/)
  t.equal(await count(h, 'select count(*)::int as n from events'), before)
})

t.test('events nobody subscribes to are not stored', async (t) => {
  const before = await count(h, 'select count(*)::int as n from events')
  await h.core.transaction(async (tx) => {
    tx.emit(coreEvents.conversationAssigned, { conversationId: '1', openChannelId: '1', assigneeId: null, previousAssigneeId: null })
  })
  t.equal(await count(h, 'select count(*)::int as n from events'), before)
})
