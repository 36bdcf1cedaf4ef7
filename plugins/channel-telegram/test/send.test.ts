// Outbound through the outbox: sendMessage with the agent's name in bold, replies, attachments by
// Telegram file id (sendPhoto / sendDocument) or upload, inline buttons, long texts split; 5xx
// retried and delivered once, 429's retry_after honoured, 403 "blocked" → undeliverable at once.
import t from 'tap'
import { DeliveryError, type OutboundDelivery, type PluginContext } from '@openline/sdk'
import { buildTestApp, type TestApp, type AgentClient } from '@openline/testing'
import { telegramPlugin, telegramConnector, sendTyping, classify, plan } from '../src/index.ts'
import { TelegramApiError } from '../src/api.ts'
import { startFakeTelegram, type FakeTelegram } from './fakeApi.ts'
import { connectBot, deliver, messageUpdate, sendMutation, sql, waitFor } from './helpers.ts'

let h: TestApp
let fake: FakeTelegram
let admin: AgentClient
let connectionId: string
let adminName: string

t.before(async () => {
  fake = await startFakeTelegram()
  h = await buildTestApp({ plugins: [telegramPlugin], config: { jobs: { sweepIntervalMs: 200 } } })
  ;({ admin, connectionId } = await connectBot(h, fake))
  adminName = (await sql(h, 'select name from users where id = ?', [h.admin.id]))[0].name
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

async function conversationOf (chatId: number, text = 'hello'): Promise<{ conversationId: string, messageId: string, telegramMessageId: number }> {
  const update = messageUpdate(chatId, { text })
  const res = await deliver(h, fake, connectionId, update)
  if (res.status !== 200) throw new Error(`webhook ${res.status}: ${JSON.stringify(res.body)}`)
  return { conversationId: res.body.conversationId, messageId: res.body.messageId, telegramMessageId: (update.message as any).message_id }
}

async function reply (conversationId: string, body: string, quoteMessageId?: string): Promise<string> {
  const res = quoteMessageId === undefined
    ? await admin.query<any>(sendMutation, { c: conversationId, b: body })
    : await admin.query<any>('mutation($c: ID!, $b: String!, $q: ID) { sendMessage(conversationId: $c, body: $b, quoteMessageId: $q) { id } }', { c: conversationId, b: body, q: quoteMessageId })
  if (res.data?.sendMessage == null) throw new Error(`sendMessage: ${JSON.stringify(res.errors)}`)
  return res.data.sendMessage.id
}

const outbox = async (messageId: string): Promise<{ status: string, attempts: number, last_error: string | null }> =>
  (await sql<any>(h, 'select status, attempts, last_error from outbox where message_id = ?', [messageId]))[0]
const waitSent = (messageId: string, status = 'sent'): Promise<unknown> =>
  waitFor(`outbox ${status}`, async () => (await outbox(messageId))?.status === status, 15_000)
const sentWith = (text: string): number => fake.sent().filter(c => typeof c.params.text === 'string' && c.params.text.endsWith(text)).length

t.test('an agent reply: sendMessage with the name in bold, a reply to the quoted message, the external id stored', async (t) => {
  const { conversationId, messageId, telegramMessageId } = await conversationOf(9101)
  const id = await reply(conversationId, 'Olá! How can I help? 😀', messageId)
  await waitSent(id)
  const call = fake.sent().find(c => c.params.text === `${adminName}:\nOlá! How can I help? 😀`)
  t.ok(call !== undefined, JSON.stringify(fake.sent().map(c => c.params)))
  t.equal(call?.method, 'sendMessage')
  t.equal(call?.params.chat_id, 9101)
  t.same(call?.params.entities, [{ type: 'bold', offset: 0, length: adminName.length }])
  t.same(call?.params.reply_parameters, { message_id: telegramMessageId, allow_sending_without_reply: true })
  const [row] = await sql(h, 'select external_id, delivery_status from messages where id = ?', [id])
  t.match(row, { delivery_status: 'sent', external_id: /^9101:5\d{5}$/ })
})

t.test('system texts carry no name; long texts are split at 4096', async (t) => {
  const { conversationId } = await conversationOf(9102)
  const system = await h.core.sendMessage({ conversationId, body: 'Your conversation was transferred.', authorKind: 'system' })
  await waitSent(system.id)
  t.ok(fake.sent().some(c => c.params.text === 'Your conversation was transferred.' && c.params.entities === undefined))
  const long = `${'word '.repeat(1000)}\n${'more '.repeat(200)}end-of-long`
  const id = await reply(conversationId, long)
  await waitSent(id)
  const parts = fake.sent().filter(c => c.params.chat_id === 9102 && c.method === 'sendMessage' && c.params.text !== 'Your conversation was transferred.')
  t.equal(parts.length, 2)
  t.ok(parts.every(p => String(p.params.text).length <= 4096))
  t.ok(String(parts[1].params.text).endsWith('end-of-long'))
})

t.test('attachments: a photo by file id with the text as caption, a document, inline buttons', async (t) => {
  const { conversationId } = await conversationOf(9103)
  fake.addFile({ fileId: 'out-photo', bytes: Buffer.alloc(300, 3) })
  fake.addFile({ fileId: 'out-doc', bytes: Buffer.from('%PDF') })
  const photo = await h.core.sendMessage({
    conversationId, body: 'Here is the map', authorKind: 'agent', authorUserId: h.admin.id,
    attachments: [{ kind: 'image', providerFileId: 'out-photo', mimeType: 'image/jpeg' }],
    meta: { buttons: [{ text: '👍', data: 'rate:good' }, { text: '👎', data: 'rate:bad' }] }
  })
  await waitSent(photo.id)
  const call = fake.sent().find(c => c.method === 'sendPhoto' && c.params.chat_id === 9103)
  t.equal(call?.params.photo, 'out-photo')
  t.equal(call?.params.caption, `${adminName}:\nHere is the map`)
  t.same(call?.params.caption_entities, [{ type: 'bold', offset: 0, length: adminName.length }])
  t.same(call?.params.reply_markup, { inline_keyboard: [[{ text: '👍', callback_data: 'rate:good' }, { text: '👎', callback_data: 'rate:bad' }]] })

  const two = await h.core.sendMessage({
    conversationId, body: 'Two files', authorKind: 'agent', authorUserId: h.admin.id,
    attachments: [{ kind: 'file', providerFileId: 'out-doc', name: 'a.pdf' }, { kind: 'image', providerFileId: 'out-photo' }]
  })
  await waitSent(two.id)
  const methods = fake.sent().filter(c => c.params.chat_id === 9103).map(c => c.method)
  t.same(methods, ['sendPhoto', 'sendMessage', 'sendDocument', 'sendPhoto'])
  const [row] = await sql(h, 'select external_id from messages where id = ?', [two.id])
  const firstText = fake.sent().filter(c => c.params.chat_id === 9103)[1]
  t.ok(firstText.params.text === `${adminName}:\nTwo files`)
  t.match(row.external_id, /^9103:\d+$/, 'the first part names the message')
})

t.test('an attachment with stored bytes is uploaded; a stored file that is gone fails at once (not retried)', async (t) => {
  const { conversationId } = await conversationOf(9104)
  const missing = await h.core.sendMessage({ conversationId, body: '', authorKind: 'agent', authorUserId: h.admin.id, attachments: [{ kind: 'file', storageKey: '2026/01/00000000-0000-0000-0000-000000000000', name: 'x.txt' }] })
  await waitSent(missing.id, 'failed')
  t.match((await outbox(missing.id)).last_error, /stored file .* is missing/)
  t.equal((await outbox(missing.id)).attempts, 1)

  // Through the core: bytes kept in the app's storage are read back and uploaded.
  const storageKey = await h.core.files.storage.put(Buffer.from('real stored bytes'))
  const uploaded = await h.core.sendMessage({ conversationId, body: 'from storage', authorKind: 'agent', authorUserId: h.admin.id, attachments: [{ kind: 'file', storageKey, name: 'notes.txt', mimeType: 'text/plain' }] })
  await waitSent(uploaded.id, 'sent')
  t.equal(fake.sent().find(c => c.uploads.document?.name === 'notes.txt')?.uploads.document.bytes.toString(), 'real stored bytes')

  // The same through the connector directly, with a reader standing in for the storage.
  const delivery: OutboundDelivery = {
    idempotencyKey: 'outbox-x', attempt: 1, conversationId, messageId: '1', externalUserId: '9104', externalChatId: '9104',
    connection: { id: connectionId, openChannelId: '1', connector: 'telegram', externalAccountId: String(fake.bot.id), status: 'connected', settings: { apiBaseUrl: fake.url }, secrets: { token: fake.token } },
    body: 'the invoice', attachments: [{ kind: 'file', storageKey: 'k1', name: 'invoice.pdf', mimeType: 'application/pdf' }],
    senderName: 'Ana', senderAvatarUrl: null, quoteExternalId: null, meta: {}
  }
  const ctx = { files: { maxBytes: 1e6, read: async (key: string) => Buffer.from(`bytes of ${key}`) } } as unknown as PluginContext
  const result = await telegramConnector.send(delivery, ctx)
  const upload = fake.sent().find(c => c.uploads.document?.name === 'invoice.pdf')
  t.equal(upload?.uploads.document.bytes.toString(), 'bytes of k1')
  t.equal(upload?.uploads.document.name, 'invoice.pdf')
  t.equal(upload?.params.caption, 'Ana:\nthe invoice')
  t.same(upload?.params.caption_entities, [{ type: 'bold', offset: 0, length: 3 }])
  t.match(result.externalMessageId, /^9104:\d+$/)
})

t.test('500 twice, then 200: delivered once', async (t) => {
  const { conversationId } = await conversationOf(9105)
  const before = fake.calls('sendMessage').length
  fake.failNext(2, 500)
  const id = await reply(conversationId, 'survives two 500s')
  await waitSent(id)
  await new Promise(resolve => setTimeout(resolve, 500))
  t.equal(fake.calls('sendMessage').length - before, 3)
  t.equal(sentWith('survives two 500s'), 1)
  t.equal((await outbox(id)).attempts, 3)
})

t.test('429 with parameters.retry_after: the retry waits that long', async (t) => {
  const { conversationId } = await conversationOf(9106)
  fake.failNext(1, 429, 2)
  const started = Date.now()
  const id = await reply(conversationId, 'after a 429')
  await waitSent(id)
  const accepted = fake.sent().find(c => String(c.params.text).endsWith('after a 429'))
  t.ok((accepted?.at ?? 0) - started >= 2000, `delivered ${(accepted?.at ?? 0) - started} ms after sending (retry_after 2 s)`)
  t.equal(sentWith('after a 429'), 1)
  t.equal((await outbox(id)).attempts, 2)
})

t.test('403 "bot was blocked by the user": failed at once, identity undeliverable, never retried', async (t) => {
  const { conversationId } = await conversationOf(9107)
  fake.block(9107)
  const before = fake.calls('sendMessage').length
  const id = await reply(conversationId, 'to a blocked user')
  await waitSent(id, 'failed')
  const row = await outbox(id)
  t.equal(row.attempts, 1)
  t.match(row.last_error, /blocked by the user/)
  const [identity] = await sql(h, "select undeliverable from client_identities where external_user_id = '9107'")
  t.equal(identity.undeliverable, true)
  await new Promise(resolve => setTimeout(resolve, 1500))
  t.equal(fake.calls('sendMessage').length - before, 1, 'asked once')
})

t.test('typing: sendChatAction', async (t) => {
  await sendTyping({ settings: { apiBaseUrl: fake.url }, secrets: { token: fake.token } }, '9101')
  t.match(fake.calls('sendChatAction').at(-1)?.params, { chat_id: 9101, action: 'typing' })
})

t.test('classify: Bot API errors → delivery decisions', async (t) => {
  const e = (status: number, description: string, retryAfterSec?: number): DeliveryError =>
    classify(new TelegramApiError('sendMessage', status, { error_code: status === 0 ? undefined : status, description, retryAfterSec }))
  t.match(e(429, 'Too Many Requests: retry after 7', 7), { retryable: true, retryAfterMs: 7000, undeliverable: false })
  t.match(e(403, 'Forbidden: bot was blocked by the user'), { retryable: false, undeliverable: true })
  t.match(e(403, 'Forbidden: user is deactivated'), { retryable: false, undeliverable: true })
  t.match(e(400, 'Bad Request: chat not found'), { retryable: false, undeliverable: false })
  t.match(e(401, 'Unauthorized'), { retryable: false })
  t.match(e(502, 'Bad Gateway'), { retryable: true })
  t.match(e(0, 'request failed: timeout'), { retryable: true })
})

t.test('plan: no name when hidden, buttons as rows, replies only within the chat', async (t) => {
  const base: OutboundDelivery = {
    idempotencyKey: 'k', attempt: 1, conversationId: '1', messageId: '1', externalUserId: '5', externalChatId: '-100200',
    connection: { id: '1', openChannelId: '1', connector: 'telegram', externalAccountId: '1', status: 'connected', settings: {}, secrets: { token: 't' } },
    body: 'hi', attachments: [], senderName: null, senderAvatarUrl: null, quoteExternalId: '-100200:77:e123', meta: { buttons: [[{ text: 'A', data: 'a' }], [{ text: 'Site', url: 'https://example.com' }, { text: 'bad', data: 'x'.repeat(65) }]] }
  }
  const [part] = plan(base)
  t.same(part.params, {
    chat_id: -100200, text: 'hi', reply_parameters: { message_id: 77, allow_sending_without_reply: true },
    reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }], [{ text: 'Site', url: 'https://example.com' }]] }
  })
  t.notOk('reply_parameters' in plan({ ...base, quoteExternalId: '999:1' })[0].params, 'a quote from another chat is not a reply')
})

t.test('an agent typing shows "typing…" in Telegram, at most once per window', async (t) => {
  const { conversationId } = await conversationOf(9150)
  const before = fake.calls('sendChatAction').length
  const typing = 'mutation($c: ID!) { sendTyping(conversationId: $c) }'
  t.equal((await admin.query<any>(typing, { c: conversationId })).data.sendTyping, true)
  t.equal((await admin.query<any>(typing, { c: conversationId })).data.sendTyping, false, 'throttled within the window')
  await waitFor('sendChatAction', async () => fake.calls('sendChatAction').length > before, 5000)
  t.match(fake.calls('sendChatAction').at(-1)?.params, { chat_id: 9150, action: 'typing' })
})
