// Outbound through the outbox: send_message with the agent as sender (the bot's name when hidden),
// text and media, the 30 KB cap refused before calling Viber, HTTP 5xx and 429 retried, status 12
// backed off, status 6 (unsubscribed) undeliverable and not retried.
import t from 'tap'
import type { TestApp, AgentClient } from '@openline/testing'
import { startFakeViber, messageEvent, type FakeViber } from './fakeApi.ts'
import { buildTestApp, plugins, connectViber, postCallback, sql, waitFor } from './helpers.ts'

let h: TestApp
let fake: FakeViber
let admin: AgentClient
let connectionId: string
let openChannelId: string

t.before(async () => {
  fake = await startFakeViber({ name: 'A bot name longer than twenty-eight characters' })
  h = await buildTestApp({ plugins })
  ;({ admin, connectionId, openChannelId } = await connectViber(h, fake))
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

async function conversationOf (userId: string): Promise<string> {
  const res = await postCallback(h, connectionId, fake.token, messageEvent({ userId, message: { type: 'text', text: 'hello' } }))
  if (res.status !== 200) throw new Error(`webhook ${res.status}`)
  return res.body.conversationId
}

async function reply (conversationId: string, body: string): Promise<string> {
  const res = await admin.query<any>('mutation($c: ID!, $b: String!) { sendMessage(conversationId: $c, body: $b) { id } }', { c: conversationId, b: body })
  if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
  return res.data.sendMessage.id
}

const outbox = async (messageId: string): Promise<{ status: string, attempts: number, last_error: string | null }> =>
  (await sql(h, 'select status, attempts, last_error from outbox where message_id = ?', [messageId]))[0]
const settled = (messageId: string): Promise<void> => waitFor('the outbox row settled', async () => (await outbox(messageId)).status !== 'pending')
const sendsOf = (text: string) => fake.sends().filter(s => s.body.text === text)

t.test('an agent reply goes out as send_message with the agent as sender', async (t) => {
  const conversationId = await conversationOf('out-text')
  const messageId = await reply(conversationId, 'Hello from support, ação ✓')
  await settled(messageId)
  t.equal((await outbox(messageId)).status, 'sent')
  const [sent] = sendsOf('Hello from support, ação ✓')
  t.same(sent.body, { receiver: 'out-text', min_api_version: 1, sender: { name: 'Test Admin' }, type: 'text', text: 'Hello from support, ação ✓' })
  const [row] = await sql(h, 'select delivery_status, external_id from messages where id = ?', [messageId])
  t.same(row, { delivery_status: 'sent', external_id: sent.messageToken }, 'the exact 64-bit token is the external id')
})

t.test('hidden agents: the bot name (cut to 28 characters) is the sender', async (t) => {
  const saved = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "queue", values: $v) { id } }', { id: openChannelId, v: { agentDisplay: { mode: 'hidden' } } })
  t.equal(saved.errors, undefined, JSON.stringify(saved.errors))
  const conversationId = await conversationOf('out-hidden')
  const messageId = await reply(conversationId, 'from nobody in particular')
  await settled(messageId)
  t.same(sendsOf('from nobody in particular')[0]?.body.sender, { name: 'A bot name longer than twent', avatar: 'https://media.example.com/icon.jpg' })
  await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "queue", values: $v) { id } }', { id: openChannelId, v: { agentDisplay: { mode: 'profile' } } })
})

t.test('attachments go out as picture and file messages', async (t) => {
  const conversationId = await conversationOf('out-media')
  const message = await h.core.sendMessage({
    conversationId, body: 'see the photo', authorKind: 'agent', authorUserId: h.admin.id,
    attachments: [{ kind: 'image', providerFileId: 'https://example.com/photo.jpg' }, { kind: 'file', name: 'terms.pdf', size: 2048, providerFileId: 'https://example.com/terms.pdf' }]
  })
  await settled(message.id)
  t.equal((await outbox(message.id)).status, 'sent')
  const bodies = fake.sends().filter(s => s.body.receiver === 'out-media').map(s => s.body)
  t.match(bodies, [
    { type: 'picture', media: 'https://example.com/photo.jpg', text: 'see the photo', sender: { name: 'Test Admin' } },
    { type: 'file', media: 'https://example.com/terms.pdf', size: 2048, file_name: 'terms.pdf' }
  ])
  t.equal(bodies.length, 2)
})

t.test('over 30 KB: refused without calling Viber', async (t) => {
  const conversationId = await conversationOf('out-big')
  const before = fake.sendRequests()
  // 7000 characters at most, but JSON escapes control characters to six bytes each: 6000 of them make a 36 KB body.
  const fits = await reply(conversationId, '€'.repeat(6999))
  await settled(fits)
  t.equal((await outbox(fits)).status, 'sent', '21 KB of three-byte characters go out')
  const bigId = await reply(conversationId, 'x' + '\u001f'.repeat(6000))
  await settled(bigId)
  const row = await outbox(bigId)
  t.equal(row.status, 'failed')
  t.match(row.last_error, /30 KB/)
  t.equal(row.attempts, 1)
  t.equal(fake.sendRequests() - before, 1, 'only the message under the cap reached Viber')
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
  t.equal(sendsOf('survives 5xx').length, 1)
})

t.test('HTTP 429 with retry-after: the retry waits that long', async (t) => {
  const conversationId = await conversationOf('out-429')
  fake.failNext([{ http: 429, retryAfterSec: 2 }])
  const started = Date.now()
  const messageId = await reply(conversationId, 'after 429')
  await settled(messageId)
  const [sent] = sendsOf('after 429')
  t.ok(sent.at - started >= 2000, `sent ${sent.at - started} ms later`)
  t.equal(sendsOf('after 429').length, 1)
})

t.test('status 12 (too many requests): retried with back-off, delivered once', async (t) => {
  const conversationId = await conversationOf('out-12')
  fake.failNext([{ status: 12, message: 'tooManyRequests' }, { status: 12, message: 'tooManyRequests' }])
  const started = Date.now()
  const messageId = await reply(conversationId, 'after status 12')
  await settled(messageId)
  t.equal((await outbox(messageId)).status, 'sent')
  const [sent] = sendsOf('after status 12')
  // Back-off 1 s then 2 s (the core's default would be 0.5 s then 1 s).
  t.ok(sent.at - started >= 3000, `sent ${sent.at - started} ms later`)
  t.equal(sendsOf('after status 12').length, 1)
})

t.test('status 6 (unsubscribed): failed, undeliverable, not retried', async (t) => {
  const conversationId = await conversationOf('out-gone')
  fake.unsubscribe('out-gone')
  const before = fake.sendRequests()
  const messageId = await reply(conversationId, 'to someone who left')
  await settled(messageId)
  const row = await outbox(messageId)
  t.equal(row.status, 'failed')
  t.equal(row.attempts, 1)
  t.match(row.last_error, /receiverNotSubscribed/)
  t.equal((await sql(h, "select count(*)::int as n from client_identities where external_user_id = 'out-gone' and undeliverable"))[0].n, 1)
  await new Promise(resolve => setTimeout(resolve, 1500))
  t.equal(fake.sendRequests() - before, 1, 'Viber was asked once')
})

t.test('a permanent refusal (status 3 badData) is not retried', async (t) => {
  const conversationId = await conversationOf('out-bad')
  fake.failNext([{ status: 3, message: 'badData' }])
  const messageId = await reply(conversationId, 'refused')
  await settled(messageId)
  const row = await outbox(messageId)
  t.equal(row.status, 'failed')
  t.equal(row.attempts, 1)
})
