// Issue #2: a process killed after commit and before dispatch, or in the middle of a delivery: the
// events and deliveries still happen after restart, exactly once as seen by the client. The app
// that crashes runs in a child process killed with SIGKILL; the one that takes over is a second
// instance on the same database and Redis prefix.
import t from 'tap'
import { buildTestApp, startRedisServer, startFakeProvider, testConnectorPlugin, agentClient, type TestApp, type FakeProvider, type RedisServer } from '@openline/testing'
import { durablePlugin } from './fixtures/durablePlugin.ts'
import { startChildApp, type ChildApp } from './fixtures/childApp.ts'
import { sql, count, waitFor, webhook, connectTestChannel, sendReply, schedule } from './fixtures/helpers.ts'

let redis: RedisServer
let provider: FakeProvider
// Owns the database and the Redis prefix; API only (jobs.process false), so it never does the work itself.
let owner: TestApp
let token: string
let connectionId: string
const children: ChildApp[] = []
const instances: TestApp[] = []

t.before(async () => {
  redis = await startRedisServer()
  provider = await startFakeProvider()
  owner = await buildTestApp({ config: { redisUrl: redis.url, jobs: { process: false, sweepIntervalMs: 200 } }, plugins: [testConnectorPlugin, durablePlugin] })
  const setup = await connectTestChannel(owner, provider)
  connectionId = setup.connectionId
  token = setup.admin.token as string
})
t.teardown(async () => {
  for (const c of children) await c.kill()
  await redis?.start()
  for (const i of instances) await i.close()
  await owner?.close()
  await provider?.close()
  await redis?.stop()
})

async function child (sweepMs = 200): Promise<ChildApp> {
  const c = await startChildApp({ databaseUrl: owner.database.url, redisUrl: redis.url, redisPrefix: owner.config.redisPrefix, sweepMs })
  children.push(c)
  return c
}

/** A processing instance on the owner's database and Redis prefix: "the app after restart". */
async function processingInstance (): Promise<TestApp> {
  const i = await buildTestApp({ database: owner.database, redisPrefix: owner.config.redisPrefix, config: { redisUrl: redis.url, jobs: { sweepIntervalMs: 200 } }, plugins: [testConnectorPlugin, durablePlugin] })
  instances.push(i)
  return i
}

async function closeInstance (i: TestApp): Promise<void> {
  const at = instances.indexOf(i)
  if (at < 0) return
  instances.splice(at, 1)
  await i.close()
}

const seen = (subscriber: string, ref: string): Promise<number> =>
  count(owner, 'select count(*)::int as n from durable_fixture_seen where subscriber = ? and ref = ?', [subscriber, ref])
const fired = (key: string): Promise<number> => count(owner, 'select count(*)::int as n from durable_fixture_fired where key = ?', [key])
const sentTimes = (text: string): number => provider.sent().filter(s => s.text === text).length
const outboxStatus = async (messageId: string): Promise<string> => (await sql(owner, 'select status from outbox where message_id = ?', [messageId]))[0].status

t.test('killed after commit and before dispatch: everything happens once after restart', async (t) => {
  const app = await child()
  t.teardown(() => app.kill())
  const warm = await webhook(app.url, connectionId, { userId: 'crash-a', messageId: 'a-0', text: 'hello' })
  t.equal(warm.status, 200)
  await waitFor('the child processes jobs while Redis is up', async () => (await seen('steady', warm.body.messageId)) === 1)

  // Redis unreachable: the child commits but cannot dispatch anything; then it is killed.
  await redis.stop()
  const inbound = await webhook(app.url, connectionId, { userId: 'crash-a', messageId: 'a-1', text: 'committed before the crash' })
  t.equal(inbound.status, 200)
  const agent = agentClient(app.url, token)
  const replyId = await sendReply(agent, warm.body.conversationId, 'reply committed before the crash')
  await schedule(agent, 'crash-a-timer', 300, 'crash')
  await agent.close()
  t.ok((await count(owner, "select count(*)::int as n from events where payload->>'messageId' = ? and dispatched_at is null", [inbound.body.messageId])) >= 1, 'the message event is recorded, undispatched')
  t.equal(await outboxStatus(replyId), 'pending', 'the reply waits in the outbox')
  t.equal(await count(owner, "select count(*)::int as n from timers where key = 'crash-a-timer' and fired_at is null"), 1, 'the timer is pending')
  await app.kill()

  await redis.start()
  const after = await processingInstance()
  // Closed even if an assertion fails, so it cannot do the next test's work.
  t.teardown(() => closeInstance(after))
  await waitFor('the reply delivered after restart', async () => sentTimes('reply committed before the crash') === 1, 15_000)
  await waitFor('the subscribers ran after restart', async () => (await seen('steady', inbound.body.messageId)) === 1 && (await seen('flaky', inbound.body.messageId)) === 1, 15_000)
  await waitFor('the timer fired after restart', async () => (await fired('crash-a-timer')) === 1, 15_000)
  await waitFor('the outbox row sent', async () => (await outboxStatus(replyId)) === 'sent', 15_000)

  await new Promise(resolve => setTimeout(resolve, 1500))
  t.equal(sentTimes('reply committed before the crash'), 1, 'the client got the reply once')
  t.equal(await seen('steady', inbound.body.messageId), 1, 'subscriber ran once')
  t.equal(await seen('flaky', inbound.body.messageId), 1, 'second subscriber ran once')
  t.equal(await seen('delivery', replyId), 1, 'the delivery event ran once')
  t.equal(await fired('crash-a-timer'), 1, 'the timer fired once')
  t.equal(await count(owner, 'select count(*)::int as n from events where dispatched_at is null'), 0, 'no event left undispatched')
  await closeInstance(after)
})

t.test('killed in the middle of a delivery: the client sees the message once and the row ends sent', async (t) => {
  const app = await child()
  t.teardown(() => app.kill())
  const inbound = await webhook(app.url, connectionId, { userId: 'crash-b', messageId: 'b-0', text: 'hello' })
  t.equal(inbound.status, 200)
  const requestsBefore = provider.requests()
  provider.delay(1500)
  const agent = agentClient(app.url, token)
  const replyId = await sendReply(agent, inbound.body.conversationId, 'reply in flight at the crash')
  await agent.close()
  await waitFor('the send reached the provider', async () => provider.requests() > requestsBefore)
  await app.kill()
  provider.delay(0)
  // The provider still completes the request it was holding: the client has the message, the app never heard back.
  await waitFor('the provider accepted the in-flight send', async () => sentTimes('reply in flight at the crash') === 1, 5000)
  t.equal(await outboxStatus(replyId), 'pending', 'the crash rolled the delivery transaction back')

  const after = await processingInstance()
  t.teardown(() => closeInstance(after))
  // The dead worker's job lock has to expire before bull hands the job to the new instance.
  await waitFor('the outbox row sent after restart', async () => (await outboxStatus(replyId)) === 'sent', 40_000, 100)
  await new Promise(resolve => setTimeout(resolve, 1000))
  t.equal(sentTimes('reply in flight at the crash'), 1, 'the client saw the message once')
  t.equal(provider.requests() - requestsBefore, 2, 'one lost attempt and one retry with the same idempotency key')
  const keys = new Set(provider.sent().filter(s => s.text === 'reply in flight at the crash').map(s => s.idempotencyKey))
  t.same([...keys], [`outbox-${(await sql(owner, 'select id::text as id from outbox where message_id = ?', [replyId]))[0].id}`])
  const [message] = await sql(owner, 'select delivery_status, external_id from messages where id = ?', [replyId])
  t.equal(message.delivery_status, 'sent')
  t.equal(await seen('delivery', replyId), 1, 'the delivery event ran once')
  await closeInstance(after)
})

t.test('a graceful shutdown while Redis is unreachable finishes promptly and loses nothing', async (t) => {
  const app = await child()
  t.teardown(() => app.kill())
  const first = await webhook(app.url, connectionId, { userId: 'crash-c', messageId: 'c-0', text: 'hello' })
  await waitFor('subscriber before the outage', async () => (await seen('steady', first.body.messageId)) === 1)
  await redis.stop()
  const inbound = await webhook(app.url, connectionId, { userId: 'crash-c', messageId: 'c-1', text: 'during the outage' })
  t.equal(inbound.status, 200)
  const agent = agentClient(app.url, token)
  const replyId = await sendReply(agent, first.body.conversationId, 'reply before a graceful shutdown')
  await schedule(agent, 'crash-c-timer', 2500, 'graceful')
  await agent.close()

  // SIGTERM, as a deployment's restart sends: app.close() must not wait for Redis (a hang detector).
  const started = Date.now()
  const code = await app.terminate(5000)
  t.equal(code, 0, `the app shut down without Redis (${Date.now() - started} ms)`, { output: app.output().slice(-2000) })
  await app.kill()

  await redis.start()
  const after = await processingInstance()
  t.teardown(() => closeInstance(after))
  await waitFor('the reply delivered', async () => sentTimes('reply before a graceful shutdown') === 1, 15_000)
  await waitFor('the subscriber ran', async () => (await seen('steady', inbound.body.messageId)) === 1, 15_000)
  await waitFor('the timer fired', async () => (await fired('crash-c-timer')) === 1, 15_000)
  await new Promise(resolve => setTimeout(resolve, 1500))
  t.equal(sentTimes('reply before a graceful shutdown'), 1)
  t.equal(await seen('steady', inbound.body.messageId), 1)
  t.equal(await fired('crash-c-timer'), 1)
  t.equal(await outboxStatus(replyId), 'sent')
  await closeInstance(after)
})

t.test('an app booted while Redis is down catches up once Redis comes up', async (t) => {
  await redis.stop()
  // A slow periodic sweep (the production default is 5 s): catching up must not wait for it.
  const app = await child(5000)
  t.teardown(() => app.kill())
  const inbound = await webhook(app.url, connectionId, { userId: 'crash-d', messageId: 'd-0', text: 'to an app without Redis' })
  t.equal(inbound.status, 200)
  const agent = agentClient(app.url, token)
  const replyId = await sendReply(agent, inbound.body.conversationId, 'reply from an app booted without Redis')
  // Not due before Redis is back: only a full sweep on Redis' arrival enqueues it in time.
  await schedule(agent, 'crash-d-timer', 2500, 'boot')
  await agent.close()
  await redis.start()
  await waitFor('the reply delivered', async () => sentTimes('reply from an app booted without Redis') === 1, 4000)
  await waitFor('the subscriber ran', async () => (await seen('steady', inbound.body.messageId)) === 1, 4000)
  await waitFor('the timer fired', async () => (await fired('crash-d-timer')) === 1, 15_000)
  const [{ late }] = await sql(owner, "select (extract(epoch from (at - due_at)) * 1000)::int as late from durable_fixture_fired where key = 'crash-d-timer'")
  t.ok(late >= 0 && late < 1500, `fired ${late} ms after due, without waiting for a periodic sweep`)
  await new Promise(resolve => setTimeout(resolve, 1000))
  t.equal(sentTimes('reply from an app booted without Redis'), 1)
  t.equal(await seen('steady', inbound.body.messageId), 1)
  t.equal(await fired('crash-d-timer'), 1)
  t.equal(await outboxStatus(replyId), 'sent')
})
