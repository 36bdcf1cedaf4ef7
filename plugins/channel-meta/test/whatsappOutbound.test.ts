// WhatsApp outbound through the outbox: text (the agent's name in bold, split at 4096), replies
// quoting the client's message, reply buttons / lists / plain choices, media uploaded then sent by
// id (the text as caption) or by link; outside the 24-hour window the configured template (or a
// clear permanent failure); 131047 explained to the agent; 5xx and rate limits retried and
// delivered once; 131026 undeliverable; typing through the read receipt's typing indicator.
import t from 'tap'
import type { TestApp, AgentClient } from '@openline/testing'
import { startFakeMeta, whatsappBody, whatsappMessage, pngBytes, type FakeMeta } from './fakeApi.ts'
import { buildTestApp, plugins, connectWhatsApp, postWebhook, sql, waitFor, outbox as outboxRow, settled as untilSettled, reply as agentReply, type OutboxRow } from './helpers.ts'

let h: TestApp
let fake: FakeMeta
let admin: AgentClient
let connectionId: string
let adminName: string

t.before(async () => {
  fake = await startFakeMeta()
  fake.templates.set('support_follow_up', { language: 'en_US', parameters: 2 })
  h = await buildTestApp({ plugins })
  ;({ admin, connectionId } = await connectWhatsApp(h, fake, { verifyToken: 'wa-out-verify' }))
  adminName = (await sql(h, 'select name from users where id = ?', [h.admin.id]))[0].name
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

const hour = 3_600_000

async function conversationOf (from: string, options: { agoMs?: number, connection?: string } = {}): Promise<{ conversationId: string, messageId: string }> {
  const res = await postWebhook(h, options.connection ?? connectionId, fake.appSecret, whatsappBody(fake, whatsappMessage({ from, text: 'hello', timestamp: Date.now() - (options.agoMs ?? 0) })))
  if (res.status !== 200) throw new Error(`webhook ${res.status}`)
  return res.body.messages[0]
}

const reply = (conversationId: string, body: string, quoteMessageId?: string): Promise<string> => agentReply(admin, conversationId, body, quoteMessageId)
const outbox = (messageId: string): Promise<OutboxRow> => outboxRow(h, messageId)
const settled = (messageId: string): Promise<void> => untilSettled(h, messageId)
const sendsTo = (to: string) => fake.whatsappSends().filter(s => s.body.to === to)

t.test('inside 24 hours: a text with the agent\'s name in bold, quoting the client\'s message; the wamid is the external id', async (t) => {
  const { conversationId, messageId: clientMessageId } = await conversationOf('5521900000001', { agoMs: 2 * hour })
  const [{ external_id: clientWamid }] = await sql(h, 'select external_id from messages where id = ?', [clientMessageId])
  const messageId = await reply(conversationId, 'Olá! Your order ships today ✓ https://example.com/track', clientMessageId)
  await settled(messageId)
  t.equal((await outbox(messageId)).status, 'sent')
  const [sent] = sendsTo('5521900000001')
  t.same(sent.body, {
    messaging_product: 'whatsapp', recipient_type: 'individual', to: '5521900000001', context: { message_id: clientWamid },
    type: 'text', text: { body: `*${adminName}*:\nOlá! Your order ships today ✓ https://example.com/track`, preview_url: true }
  })
  const [row] = await sql(h, 'select delivery_status, external_id from messages where id = ?', [messageId])
  t.same(row, { delivery_status: 'sent', external_id: sent.messageId })
})

t.test('a long text is split at 4096 characters', async (t) => {
  const { conversationId } = await conversationOf('5521900000002')
  const messageId = await reply(conversationId, `${'palavra '.repeat(700)}end-of-text`)
  await settled(messageId)
  const parts = sendsTo('5521900000002').map(s => s.body.text.body as string)
  t.equal(parts.length, 2)
  t.ok(parts.every(p => p.length <= 4096))
  t.ok(parts[1].endsWith('end-of-text'))
})

t.test('buttons: up to 3 as reply buttons, up to 10 as a list, more as numbered text; links in the text', async (t) => {
  const { conversationId } = await conversationOf('5521900000003')
  const send = async (buttons: unknown, body = 'How was our service?'): Promise<Record<string, any>> => {
    const before = sendsTo('5521900000003').length
    const message = await h.core.sendMessage({ conversationId, body, authorKind: 'bot', meta: { buttons } })
    await settled(message.id)
    t.equal((await outbox(message.id)).status, 'sent', JSON.stringify((await outbox(message.id)).last_error))
    return sendsTo('5521900000003').slice(before)[0].body
  }
  const three = await send([{ text: 'Good', data: 'rate:good' }, { text: 'Bad', data: 'rate:bad' }, { text: 'Help', url: 'https://example.com/help' }])
  t.same(three.interactive, {
    type: 'button', body: { text: 'How was our service?\nHelp: https://example.com/help' },
    action: { buttons: [{ type: 'reply', reply: { id: 'rate:good', title: 'Good' } }, { type: 'reply', reply: { id: 'rate:bad', title: 'Bad' } }] }
  })
  const five = await send([[{ text: '1', data: 's1' }, { text: '2', data: 's2' }], [{ text: '3', data: 's3' }, { text: '4', data: 's4' }, { text: 'Five stars, excellent', data: 's5' }]])
  t.equal(five.interactive.type, 'list')
  t.same(five.interactive.action.sections[0].rows.map((r: any) => r.id), ['s1', 's2', 's3', 's4', 's5'])
  const many = await send(Array.from({ length: 12 }, (_, i) => ({ text: `Option ${i + 1}`, data: `o${i + 1}` })), 'Pick one')
  t.equal(many.type, 'text')
  t.match(many.text.body, /^Pick one\n\n1\. Option 1\n2\. Option 2\n[\s\S]*12\. Option 12$/)
})

t.test('attachments: stored bytes uploaded and sent by media id with the text as caption; links sent as links', async (t) => {
  const { conversationId } = await conversationOf('5521900000004')
  const storageKey = await h.core.files.storage.put(pngBytes)
  const photo = await h.core.sendMessage({ conversationId, body: 'your receipt', authorKind: 'agent', authorUserId: h.admin.id, attachments: [{ kind: 'image', storageKey, mimeType: 'image/png', name: 'receipt.png' }] })
  await settled(photo.id)
  t.equal((await outbox(photo.id)).status, 'sent', String((await outbox(photo.id)).last_error))
  const upload = fake.uploads().at(-1)
  t.same(upload?.bytes, pngBytes, 'the stored bytes were uploaded')
  t.equal(upload?.type, 'image/png')
  t.same(sendsTo('5521900000004')[0].body.image, { id: upload?.id, caption: `*${adminName}*:\nyour receipt` })

  const two = await h.core.sendMessage({
    conversationId, body: 'two files', authorKind: 'agent', authorUserId: h.admin.id,
    attachments: [{ kind: 'file', providerFileId: 'https://example.com/terms.pdf', name: 'terms.pdf' }, { kind: 'audio', providerFileId: 'https://example.com/hello.ogg' }]
  })
  await settled(two.id)
  t.same(sendsTo('5521900000004').slice(1).map(s => s.body.type), ['document', 'audio', 'text'])
  t.same(sendsTo('5521900000004')[1].body.document, { link: 'https://example.com/terms.pdf', filename: 'terms.pdf' })

  const missing = await h.core.sendMessage({ conversationId, body: '', authorKind: 'agent', authorUserId: h.admin.id, attachments: [{ kind: 'file', storageKey: '2026/01/00000000-0000-0000-0000-000000000000' }] })
  await settled(missing.id)
  t.match(await outbox(missing.id), { status: 'failed', attempts: 1, last_error: /stored file .* is missing/ })
})

t.test('outside the 24-hour window without a template: failed for good, the agent told why, WhatsApp not called', async (t) => {
  const { conversationId } = await conversationOf('5521900000005', { agoMs: 30 * hour })
  const before = fake.whatsappRequests()
  const messageId = await reply(conversationId, 'too late')
  await settled(messageId)
  const row = await outbox(messageId)
  t.equal(row.status, 'failed')
  t.equal(row.attempts, 1)
  t.match(row.last_error, /outside the 24-hour window; configure a template/)
  t.equal(fake.whatsappRequests(), before)
})

t.test('outside the window with a template: the template goes out with the message and the agent\'s name as parameters', async (t) => {
  const templated = await connectWhatsApp(h, fake, { verifyToken: 'wa-out-verify', template: { name: 'support_follow_up', language: 'en_US', bodyParameters: ['agentName', 'message'] } })
  const { conversationId } = await conversationOf('5521900000006', { agoMs: 3 * 24 * hour, connection: templated.connectionId })
  const messageId = await reply(conversationId, 'Your replacement\nis ready.\t    Pick it up any time.')
  await settled(messageId)
  t.equal((await outbox(messageId)).status, 'sent', String((await outbox(messageId)).last_error))
  const [sent] = sendsTo('5521900000006')
  t.same(sent.body.template, {
    name: 'support_follow_up', language: { code: 'en_US' },
    components: [{ type: 'body', parameters: [{ type: 'text', text: adminName }, { type: 'text', text: 'Your replacement is ready.   Pick it up any time.' }] }]
  })
  t.equal((await sql(h, 'select external_id from messages where id = ?', [messageId]))[0].external_id, sent.messageId)
  // Inside the window the same connection sends plain text again.
  const fresh = await conversationOf('5521900000007', { connection: templated.connectionId })
  const inside = await reply(fresh.conversationId, 'quick answer')
  await settled(inside)
  t.equal(sendsTo('5521900000007')[0].body.type, 'text')
  // Put the first connection back for the tests after this one (same phone number: connecting moved it).
  await connectWhatsApp(h, fake, { verifyToken: 'wa-out-verify' })
})

t.test('error 131047 (re-engagement) from WhatsApp: failed for good, the explanation in the delivery error', async (t) => {
  const { conversationId } = await conversationOf('5521900000008')
  fake.failNext([{ code: 131047, message: '(#131047) Re-engagement message', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' }])
  const before = fake.whatsappRequests()
  const messageId = await reply(conversationId, 'refused by WhatsApp')
  await settled(messageId)
  const row = await outbox(messageId)
  t.equal(row.status, 'failed')
  t.equal(row.attempts, 1)
  t.match(row.last_error, /131047/)
  t.match(row.last_error, /more than 24 hours have passed/)
  t.match(row.last_error, /configure a template/)
  t.equal((await sql(h, 'select delivery_status from messages where id = ?', [messageId]))[0].delivery_status, 'failed')
  await new Promise(resolve => setTimeout(resolve, 500))
  t.equal(fake.whatsappRequests() - before, 1, 'asked once')
})

t.test('HTTP 500 twice, then success: delivered once', async (t) => {
  const { conversationId } = await conversationOf('5521900000009')
  const before = fake.whatsappRequests()
  fake.failNext([{ http: 500 }, { http: 503 }])
  const messageId = await reply(conversationId, 'survives 5xx')
  await settled(messageId)
  t.match(await outbox(messageId), { status: 'sent', attempts: 3 })
  t.equal(fake.whatsappRequests() - before, 3)
  t.equal(sendsTo('5521900000009').length, 1)
})

t.test('throughput limit (130429) with retry-after, and HTTP 429: retried after the wait, delivered once', async (t) => {
  const { conversationId } = await conversationOf('5521900000010')
  fake.failNext([{ http: 400, code: 130429, message: '(#130429) Rate limit hit', retryAfterSec: 1 }, { http: 429, retryAfterSec: 1 }])
  const started = Date.now()
  const messageId = await reply(conversationId, 'after the limit')
  await settled(messageId)
  t.match(await outbox(messageId), { status: 'sent', attempts: 3 })
  const sent = sendsTo('5521900000010')
  t.equal(sent.length, 1)
  t.ok(sent[0].at - started >= 2000, `sent ${sent[0].at - started} ms later`)
})

t.test('pair rate limit (131056) without a named wait: backed off, not retried within seconds', async (t) => {
  const { conversationId } = await conversationOf('5521900000011')
  const before = fake.whatsappRequests()
  fake.failNext([{ http: 400, code: 131056, message: '(#131056) (Business Account, Consumer Account) pair rate limit hit' }])
  const messageId = await reply(conversationId, 'too fast')
  await waitFor('the first attempt', async () => (await outbox(messageId)).attempts >= 1)
  await new Promise(resolve => setTimeout(resolve, 1500))
  t.match(await outbox(messageId), { status: 'pending', attempts: 1, last_error: /131056/ })
  t.equal(fake.whatsappRequests() - before, 1)
})

t.test('131026 (undeliverable): failed, the identity marked unreachable, not retried', async (t) => {
  const { conversationId } = await conversationOf('5521900000012')
  fake.block('5521900000012')
  const messageId = await reply(conversationId, 'to a number that cannot receive')
  await settled(messageId)
  t.match(await outbox(messageId), { status: 'failed', attempts: 1, last_error: /131026/ })
  t.equal((await sql(h, "select count(*)::int as n from client_identities where external_user_id = '5521900000012' and undeliverable"))[0].n, 1)
})

t.test('typing: the client\'s latest message is marked read with a typing indicator', async (t) => {
  const { conversationId, messageId } = await conversationOf('5521900000013')
  const [{ external_id: wamid }] = await sql(h, 'select external_id from messages where id = ?', [messageId])
  const res = await admin.query<any>('mutation($c: ID!) { sendTyping(conversationId: $c) }', { c: conversationId })
  t.equal(res.data?.sendTyping, true, JSON.stringify(res.errors))
  await waitFor('the typing indicator', async () => fake.whatsappReads().some(r => r.message_id === wamid), 5000)
  t.same(fake.whatsappReads().find(r => r.message_id === wamid), { messaging_product: 'whatsapp', status: 'read', message_id: wamid, typing_indicator: { type: 'text' } })
})
