// Outbound through the outbox: the Send API with RESPONSE inside 24 hours, the HUMAN_AGENT tag up to
// 7 days, a clear refusal past that; text (the agent's name first) and attachments by URL; HTTP 5xx
// and rate limits retried, code 551 undeliverable and not retried, permanent codes not retried.
import t from 'tap'
import type { TestApp, AgentClient } from '@openline/testing'
import { startFakeMeta, messageEvent, webhookBody, type FakeMeta } from './fakeApi.ts'
import { buildTestApp, plugins, connectMeta, postWebhook, sql, waitFor, outbox as outboxRow, settled as untilSettled, reply as agentReply, type OutboxRow } from './helpers.ts'

let h: TestApp
let fake: FakeMeta
let admin: AgentClient
let connectionId: string

t.before(async () => {
  fake = await startFakeMeta()
  h = await buildTestApp({ plugins })
  ;({ admin, connectionId } = await connectMeta(h, fake, 'messenger', { verifyToken: 'verify-token-1' }))
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

const hour = 3_600_000

async function conversationOf (userId: string, lastClientMessageAgoMs = 0): Promise<string> {
  const res = await postWebhook(h, connectionId, fake.appSecret, webhookBody('page', fake.pageId, [messageEvent({ pageId: fake.pageId, userId, text: 'hello', timestamp: Date.now() - lastClientMessageAgoMs })]))
  if (res.status !== 200) throw new Error(`webhook ${res.status}`)
  return res.body.messages[0].conversationId
}

const reply = (conversationId: string, body: string, quoteMessageId?: string): Promise<string> => agentReply(admin, conversationId, body, quoteMessageId)
const outbox = (messageId: string): Promise<OutboxRow> => outboxRow(h, messageId)
const settled = (messageId: string): Promise<void> => untilSettled(h, messageId)
const sendsTo = (userId: string) => fake.sends().filter(s => s.body.recipient.id === userId)

t.test('inside 24 hours: RESPONSE, the agent\'s name first, the mid as external id', async (t) => {
  const conversationId = await conversationOf('out-text', 2 * hour)
  const messageId = await reply(conversationId, 'Hello from support, ação ✓')
  await settled(messageId)
  t.equal((await outbox(messageId)).status, 'sent')
  const [sent] = sendsTo('out-text')
  t.same(sent.body, { recipient: { id: 'out-text' }, messaging_type: 'RESPONSE', message: { text: 'Test Admin: Hello from support, ação ✓' } })
  const [row] = await sql(h, 'select delivery_status, external_id from messages where id = ?', [messageId])
  t.same(row, { delivery_status: 'sent', external_id: sent.messageId })
})

t.test('between 24 hours and 7 days: MESSAGE_TAG HUMAN_AGENT', async (t) => {
  const conversationId = await conversationOf('out-tag', 3 * 24 * hour)
  const messageId = await reply(conversationId, 'a late answer')
  await settled(messageId)
  t.equal((await outbox(messageId)).status, 'sent')
  t.match(sendsTo('out-tag')[0].body, { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT', message: { text: 'Test Admin: a late answer' } })
})

t.test('past 7 days: refused with a clear message, Meta not called, not retried', async (t) => {
  const conversationId = await conversationOf('out-old', 8 * 24 * hour)
  const before = fake.sendRequests()
  const messageId = await reply(conversationId, 'too late')
  await settled(messageId)
  const row = await outbox(messageId)
  t.equal(row.status, 'failed')
  t.equal(row.attempts, 1)
  t.match(row.last_error, /more than 7 days/)
  t.equal(fake.sendRequests(), before)
})

t.test('attachments go out by URL, then the text', async (t) => {
  const conversationId = await conversationOf('out-media')
  const message = await h.core.sendMessage({
    conversationId, body: 'see the photo', authorKind: 'agent', authorUserId: h.admin.id,
    attachments: [{ kind: 'image', providerFileId: 'https://example.com/photo.jpg' }, { kind: 'file', name: 'terms.pdf', providerFileId: 'https://example.com/terms.pdf' }]
  })
  await settled(message.id)
  t.equal((await outbox(message.id)).status, 'sent')
  t.same(sendsTo('out-media').map(s => s.body.message), [
    { attachment: { type: 'image', payload: { url: 'https://example.com/photo.jpg', is_reusable: true } } },
    { attachment: { type: 'file', payload: { url: 'https://example.com/terms.pdf', is_reusable: true } } },
    { text: 'Test Admin: see the photo' }
  ])
})

t.test('HTTP 500 twice, then success: delivered once', async (t) => {
  const conversationId = await conversationOf('out-500')
  const before = fake.sendRequests()
  fake.failNext([{ http: 500 }, { http: 503 }])
  const messageId = await reply(conversationId, 'survives 5xx')
  await settled(messageId)
  t.equal((await outbox(messageId)).status, 'sent')
  t.equal((await outbox(messageId)).attempts, 3)
  t.equal(fake.sendRequests() - before, 3)
  t.equal(sendsTo('out-500').length, 1)
})

t.test('rate limit (code 613) with retry-after: the retry waits that long, delivered once', async (t) => {
  const conversationId = await conversationOf('out-613')
  fake.failNext([{ http: 400, code: 613, message: 'Calls to this api have exceeded the rate limit.', retryAfterSec: 1 }])
  const started = Date.now()
  const messageId = await reply(conversationId, 'after 613')
  await settled(messageId)
  t.equal((await outbox(messageId)).status, 'sent')
  const sent = sendsTo('out-613')
  t.equal(sent.length, 1)
  t.ok(sent[0].at - started >= 1000, `sent ${sent[0].at - started} ms later`)
})

t.test('rate limit (code 4) without a named wait: backed off (not retried within seconds)', async (t) => {
  const conversationId = await conversationOf('out-4')
  const before = fake.sendRequests()
  fake.failNext([{ http: 400, code: 4, message: '(#4) Application request limit reached' }])
  const messageId = await reply(conversationId, 'after code 4')
  await waitFor('the first attempt', async () => (await outbox(messageId)).attempts >= 1)
  await new Promise(resolve => setTimeout(resolve, 2000))
  const row = await outbox(messageId)
  t.equal(row.status, 'pending', 'still waiting for the back-off (30 s)')
  t.equal(row.attempts, 1)
  t.match(row.last_error, /\(#4\)/)
  t.equal(fake.sendRequests() - before, 1)
})

t.test('HTTP 429 with retry-after: honoured', async (t) => {
  const conversationId = await conversationOf('out-429b')
  fake.failNext([{ http: 429, retryAfterSec: 2 }])
  const started = Date.now()
  const messageId = await reply(conversationId, 'after retry-after')
  await settled(messageId)
  const [sent] = sendsTo('out-429b')
  t.ok(sent.at - started >= 2000, `sent ${sent.at - started} ms later`)
  t.equal(sendsTo('out-429b').length, 1)
})

t.test('code 551 (person not available): failed, undeliverable, not retried', async (t) => {
  const conversationId = await conversationOf('out-gone')
  fake.block('out-gone')
  const before = fake.sendRequests()
  const messageId = await reply(conversationId, 'to someone who left')
  await settled(messageId)
  const row = await outbox(messageId)
  t.equal(row.status, 'failed')
  t.equal(row.attempts, 1)
  t.match(row.last_error, /551/)
  t.equal((await sql(h, "select count(*)::int as n from client_identities where external_user_id = 'out-gone' and undeliverable"))[0].n, 1)
  await new Promise(resolve => setTimeout(resolve, 1000))
  t.equal(fake.sendRequests() - before, 1, 'Meta was asked once')
})

t.test('a permanent refusal (code 10, outside the window) is not retried', async (t) => {
  const conversationId = await conversationOf('out-bad')
  fake.failNext([{ code: 10, subcode: 2018065, message: '(#10) This message is sent outside of allowed window.' }])
  const messageId = await reply(conversationId, 'refused')
  await settled(messageId)
  const row = await outbox(messageId)
  t.equal(row.status, 'failed')
  t.equal(row.attempts, 1)
  t.match(row.last_error, /outside of allowed window/)
})

t.test('Instagram: the same Send API, RESPONSE inside 24 hours', async (t) => {
  const ig = await connectMeta(h, fake, 'instagram', { verifyToken: 'ig-verify-token' })
  const res = await postWebhook(h, ig.connectionId, fake.appSecret, webhookBody('instagram', fake.pageId, [messageEvent({ pageId: fake.pageId, userId: 'ig-out', text: 'hi from instagram' })]))
  t.equal(res.status, 200)
  const messageId = await reply(res.body.messages[0].conversationId, 'answer on instagram')
  await settled(messageId)
  t.equal((await outbox(messageId)).status, 'sent')
  t.same(sendsTo('ig-out')[0]?.body, { recipient: { id: 'ig-out' }, messaging_type: 'RESPONSE', message: { text: 'Test Admin: answer on instagram' } })
})
