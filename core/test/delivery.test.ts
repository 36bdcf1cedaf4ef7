// Issue #2: outbox retries. 5xx answers are retried with back-off and the message is delivered once;
// a 429's retry-after is honoured; a 403 (the client blocked us) fails the message, marks the
// client's identity undeliverable and stops retrying. A delivery interrupted by crashes, even twice,
// still ends sent, once.
import t from 'tap'
import { buildTestApp, startFakeProvider, testConnectorPlugin, type TestApp, type FakeProvider, type AgentClient } from '@openline/testing'
import { durablePlugin } from './fixtures/durablePlugin.ts'
import { startChildApp } from './fixtures/childApp.ts'
import { sql, count, waitFor, webhook, connectTestChannel, sendReply } from './fixtures/helpers.ts'

let h: TestApp
let provider: FakeProvider
let admin: AgentClient
let connectionId: string

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({ config: { jobs: { sweepIntervalMs: 200 } }, plugins: [testConnectorPlugin, durablePlugin] })
  ;({ admin, connectionId } = await connectTestChannel(h, provider))
})
t.teardown(async () => {
  await h?.close()
  await provider?.close()
})

async function conversationOf (userId: string): Promise<string> {
  const res = await webhook(h.url, connectionId, { userId, messageId: `${userId}-hello`, text: 'hello' })
  if (res.status !== 200) throw new Error(`webhook: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.conversationId
}

const outbox = async (messageId: string): Promise<{ id: string, status: string, attempts: number, last_error: string | null }> =>
  (await sql<{ id: string, status: string, attempts: number, last_error: string | null }>(h, 'select id::text as id, status, attempts, last_error from outbox where message_id = ?', [messageId]))[0]
const deliveryEvents = (messageId: string): Promise<string[]> =>
  sql<{ detail: string }>(h, "select detail from durable_fixture_seen where subscriber = 'delivery' and ref = ? order by id", [messageId]).then(r => r.map(x => x.detail))
const sentTexts = (text: string): number => provider.sent().filter(s => s.text === text).length

t.test('500 twice, then 200: delivered once after two retries', async (t) => {
  const conversationId = await conversationOf('d-500')
  const requestsBefore = provider.requests()
  provider.failNext(2, 500)
  const messageId = await sendReply(admin, conversationId, 'survives two 500s')
  await waitFor('the outbox row sent', async () => (await outbox(messageId)).status === 'sent', 15_000)
  await waitFor('the delivery event', async () => (await deliveryEvents(messageId)).length > 0)
  await new Promise(resolve => setTimeout(resolve, 800))
  t.equal(provider.requests() - requestsBefore, 3, 'three requests: two failures and the success')
  t.equal(sentTexts('survives two 500s'), 1, 'the client got it once')
  const row = await outbox(messageId)
  t.equal(row.attempts, 3)
  t.equal(row.last_error, null)
  const [message] = await sql(h, 'select delivery_status, external_id from messages where id = ?', [messageId])
  t.same(message, { delivery_status: 'sent', external_id: `fake-outbox-${row.id}` })
  t.same(await deliveryEvents(messageId), ['sent'], 'one delivery event, for the final status')
})

t.test('429 with retry-after: the retry waits at least that long', async (t) => {
  const conversationId = await conversationOf('d-429')
  provider.failNext(1, 429, 2)
  const started = Date.now()
  const messageId = await sendReply(admin, conversationId, 'after a 429')
  await waitFor('the outbox row sent', async () => (await outbox(messageId)).status === 'sent', 15_000)
  const accepted = provider.sent().find(s => s.text === 'after a 429')
  t.ok(accepted !== undefined)
  // Without retry-after the back-off would have retried after 500 ms.
  t.ok((accepted?.at ?? 0) - started >= 2000, `delivered ${(accepted?.at ?? 0) - started} ms after sending (retry-after 2 s)`)
  t.equal(sentTexts('after a 429'), 1)
  t.equal((await outbox(messageId)).attempts, 2)
})

t.test('403: failed, identity undeliverable, no endless retries', async (t) => {
  // The fake provider answers 403 for this recipient, as if the user had blocked the bot.
  const conversationId = await conversationOf('blocked-user')
  const requestsBefore = provider.requests()
  const messageId = await sendReply(admin, conversationId, 'to a blocked user')
  await waitFor('the outbox row failed', async () => (await outbox(messageId)).status === 'failed', 15_000)
  const row = await outbox(messageId)
  t.equal(row.attempts, 1)
  t.match(row.last_error, /blocked/)
  const [message] = await sql(h, 'select delivery_status from messages where id = ?', [messageId])
  t.equal(message.delivery_status, 'failed')
  t.equal(await count(h, "select count(*)::int as n from client_identities where external_user_id = 'blocked-user' and undeliverable"), 1, 'the identity is marked undeliverable')
  await waitFor('the failure event', async () => (await deliveryEvents(messageId)).length > 0)

  // Longer than the first back-off steps and several sweeps: nothing retries a failed row.
  await new Promise(resolve => setTimeout(resolve, 2000))
  t.equal(provider.requests() - requestsBefore, 1, 'the provider was asked once')
  t.same(await deliveryEvents(messageId), ['failed'])

  // The next reply to that identity fails without bothering the provider at all.
  const next = await sendReply(admin, conversationId, 'again to a blocked user')
  await waitFor('the second reply failed', async () => (await outbox(next)).status === 'failed', 15_000)
  t.match((await outbox(next)).last_error, /cannot be reached/)
  t.equal(provider.requests() - requestsBefore, 1, 'no request for an undeliverable identity')

  // The client writes again (unblocked the bot): reachable again.
  const again = await webhook(h.url, connectionId, { userId: 'blocked-user', messageId: 'blocked-user-back', text: 'I am back' })
  t.equal(again.status, 200)
  t.equal(await count(h, "select count(*)::int as n from client_identities where external_user_id = 'blocked-user' and undeliverable"), 0, 'a new message from the client clears the mark')
})

t.test('a delivery interrupted by two crashes in a row is still sent, once', async (t) => {
  // Its own database and Redis prefix, served by an API-only instance: only the child processes do the work.
  const api = await buildTestApp({ config: { jobs: { process: false, sweepIntervalMs: 200 } }, plugins: [testConnectorPlugin, durablePlugin] })
  t.teardown(() => api.close())
  // And its own provider: idempotency keys are outbox ids, which the other database uses too.
  const provider = await startFakeProvider()
  t.teardown(() => provider.close())
  const sentTexts = (text: string): number => provider.sent().filter(s => s.text === text).length
  const setup = await connectTestChannel(api, provider)
  const start = async (): Promise<Awaited<ReturnType<typeof startChildApp>>> => {
    const c = await startChildApp({ databaseUrl: api.database.url, redisUrl: api.config.redisUrl, redisPrefix: api.config.redisPrefix })
    t.teardown(() => c.kill())
    return c
  }
  const inbound = await webhook(api.url, setup.connectionId, { userId: 'd-crash', messageId: 'd-crash-1', text: 'hello' })
  const requestsBefore = provider.requests()
  provider.delay(60_000)
  const messageId = await sendReply(setup.admin, inbound.body.conversationId, 'survives two crashes')
  const status = async (): Promise<string> => (await sql<{ status: string }>(api, 'select status from outbox where message_id = ?', [messageId]))[0].status

  for (const crash of [1, 2]) {
    const app = await start()
    // Each crash strikes while the send is held by the provider.
    await waitFor(`send attempt ${crash} at the provider`, async () => provider.requests() - requestsBefore >= crash, 30_000, 100)
    await app.kill()
    t.equal(await status(), 'pending', `crash ${crash} left the row pending`)
  }
  provider.delay(0)
  const last = await start()
  await waitFor('the outbox row sent', async () => (await status()) === 'sent', 30_000, 100)
  await last.kill()
  t.equal(sentTexts('survives two crashes'), 1, 'the client got it once')
  t.equal(new Set(provider.sent().filter(s => s.text === 'survives two crashes').map(s => s.idempotencyKey)).size, 1)
})
