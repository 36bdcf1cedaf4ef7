// Agents' edits and deletions of sent messages: `connector.edit` (editMessageText, or
// editMessageCaption for a file sent with its caption) and `connector.remove` (deleteMessage),
// called directly against the fake Bot API with the external id `send` returned. "Not modified" is
// success; a message that is gone, or older than 48 hours for deletion, fails for good with a clear
// message; 429 and 5xx are retryable.
import t from 'tap'
import { DeliveryError, type OutboundDelivery, type PluginContext } from '@openline/sdk'
import { buildTestApp, type TestApp, type AgentClient } from '@openline/testing'
import { telegramPlugin, telegramConnector, parseExternalId } from '../src/index.ts'
import { startFakeTelegram, type FakeTelegram } from './fakeApi.ts'
import { connectBot, deliver, messageUpdate, sendMutation, sql, waitFor } from './helpers.ts'

let h: TestApp
let fake: FakeTelegram
let admin: AgentClient
let connectionId: string

t.before(async () => {
  fake = await startFakeTelegram()
  h = await buildTestApp({ plugins: [telegramPlugin] })
  ;({ admin, connectionId } = await connectBot(h, fake))
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

const ctx = { files: { maxBytes: 1e6, read: async (key: string) => Buffer.from(`bytes of ${key}`) } } as unknown as PluginContext

function delivery (chatId: number, body: string, extra: Partial<OutboundDelivery> = {}): OutboundDelivery {
  return {
    idempotencyKey: 'outbox-edit', attempt: 1, conversationId: '1', messageId: '1', externalUserId: String(chatId), externalChatId: String(chatId),
    connection: { id: connectionId, openChannelId: '1', connector: 'telegram', externalAccountId: String(fake.bot.id), status: 'connected', settings: { apiBaseUrl: fake.url }, secrets: { token: fake.token } },
    body, attachments: [], senderName: 'Ana', senderAvatarUrl: null, quoteExternalId: null, meta: {}, ...extra
  }
}

async function sendDirect (chatId: number, body: string, extra: Partial<OutboundDelivery> = {}): Promise<string> {
  const result = await telegramConnector.send(delivery(chatId, body, extra), ctx)
  if (result.externalMessageId === undefined) throw new Error('send returned no external id')
  return result.externalMessageId
}

const edit = (chatId: number, externalMessageId: string, body: string, extra: Partial<OutboundDelivery> = {}) =>
  telegramConnector.edit!({ ...delivery(chatId, body, extra), externalMessageId }, ctx)
const remove = (chatId: number, externalMessageId: string) =>
  telegramConnector.remove!({ ...delivery(chatId, ''), externalMessageId }, ctx)
const stored = (externalMessageId: string) => {
  const { chatId, messageId } = parseExternalId(externalMessageId)
  return fake.message(Number(chatId), messageId)
}

async function rejection (promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof DeliveryError) return err
    throw err
  }
  throw new Error('expected a DeliveryError')
}

t.test('capabilities: edits and deletes', async (t) => {
  t.match(telegramConnector.capabilities, { edits: true, deletes: true })
  t.type(telegramConnector.edit, 'function')
  t.type(telegramConnector.remove, 'function')
})

t.test('an agent reply sent through the core is edited by its stored external id: editMessageText, name in bold kept', async (t) => {
  const update = messageUpdate(9301, { text: 'hi' })
  const res = await deliver(h, fake, connectionId, update)
  const sent = await admin.query<any>(sendMutation, { c: res.body.conversationId, b: 'Teh answer' })
  const id = sent.data.sendMessage.id
  const externalId = await waitFor('the external id', async () => (await sql(h, 'select external_id from messages where id = ?', [id]))[0].external_id ?? undefined)
  t.match(externalId, /^9301:\d+$/, 'the format send stores: <chat id>:<message_id>')
  const adminName = (await sql(h, 'select name from users where id = ?', [h.admin.id]))[0].name
  await telegramConnector.edit!({ ...delivery(9301, 'The answer ✓', { senderName: adminName }), externalMessageId: externalId }, ctx)
  const call = fake.calls('editMessageText').at(-1)
  t.match(call?.params, { chat_id: 9301, message_id: parseExternalId(externalId).messageId, text: `${adminName}:\nThe answer ✓`, entities: [{ type: 'bold', offset: 0, length: adminName.length }] })
  t.equal(stored(externalId)?.text, `${adminName}:\nThe answer ✓`, 'the chat shows the new text')
  t.equal(stored(externalId)?.edits, 1)
})

t.test('the same edit again ("message is not modified") is a success; inline buttons are kept', async (t) => {
  const buttons = { buttons: [{ text: 'Yes', data: 'y' }, { text: 'No', data: 'n' }] }
  const id = await sendDirect(9302, 'Is it solved?', { meta: buttons })
  await edit(9302, id, 'Is it solved now?', { meta: buttons })
  t.same(stored(id)?.replyMarkup, { inline_keyboard: [[{ text: 'Yes', callback_data: 'y' }, { text: 'No', callback_data: 'n' }]] }, 'the keyboard survives the edit')
  const calls = fake.calls('editMessageText').length
  await edit(9302, id, 'Is it solved now?', { meta: buttons })
  t.equal(fake.calls('editMessageText').length, calls + 1, 'Telegram was asked and answered "not modified"')
  t.equal(stored(id)?.edits, 1)
})

t.test('a file sent with its caption: editMessageCaption; a caption that grew past 1024 is refused for good', async (t) => {
  fake.addFile({ fileId: 'edit-photo', bytes: Buffer.alloc(100, 1) })
  const id = await sendDirect(9303, 'the map', { attachments: [{ kind: 'image', providerFileId: 'edit-photo' }] })
  await edit(9303, id, 'the new map', { attachments: [{ kind: 'image', providerFileId: 'edit-photo' }] })
  t.match(fake.calls('editMessageCaption').at(-1)?.params, { chat_id: 9303, caption: 'Ana:\nthe new map', caption_entities: [{ type: 'bold', offset: 0, length: 3 }] })
  t.equal(stored(id)?.caption, 'Ana:\nthe new map')
  const err = await rejection(edit(9303, id, 'x'.repeat(1500), { attachments: [{ kind: 'image', providerFileId: 'edit-photo' }] }))
  t.equal(err.retryable, false)
  t.match(err.message, /caption must fit 1024/)
  t.equal(stored(id)?.caption, 'Ana:\nthe new map', 'unchanged')
})

t.test('text and caption are told apart by Telegram when the plan guesses wrong', async (t) => {
  // Sent as text + file (the text did not fit a caption); the edit is short enough for a caption.
  fake.addFile({ fileId: 'edit-doc', bytes: Buffer.from('%PDF') })
  const long = 'y'.repeat(1100)
  const id = await sendDirect(9304, long, { attachments: [{ kind: 'file', providerFileId: 'edit-doc' }] })
  t.equal(stored(id)?.media, false, 'the first part is the text')
  await edit(9304, id, 'short now', { attachments: [{ kind: 'file', providerFileId: 'edit-doc' }] })
  t.equal(stored(id)?.text, 'Ana:\nshort now')
})

t.test('an edited text longer than one message is refused for good; a message that is gone too', async (t) => {
  const id = await sendDirect(9305, 'short')
  const long = await rejection(edit(9305, id, 'z '.repeat(3000)))
  t.match(long, { retryable: false })
  t.match(long.message, /must fit one message \(4096/)
  const missing = await rejection(edit(9305, '9305:999999', 'nothing there'))
  t.match(missing, { retryable: false, undeliverable: false })
  t.match(missing.message, /message to edit is gone/)
  const notOurs = await rejection(edit(9305, '9305:12:e1700000000', 'an inbound edit id'))
  t.match(notOurs, { retryable: false })
})

t.test('429 on an edit: retryable after retry_after; 5xx: retryable; the edit then goes through once', async (t) => {
  const id = await sendDirect(9306, 'first version')
  fake.failNext(1, 429, 3)
  const limited = await rejection(edit(9306, id, 'second version'))
  t.match(limited, { retryable: true, retryAfterMs: 3000 })
  fake.failNext(1, 502)
  t.match(await rejection(edit(9306, id, 'second version')), { retryable: true })
  await edit(9306, id, 'second version')
  t.equal(stored(id)?.text, 'Ana:\nsecond version')
  t.equal(stored(id)?.edits, 1)
})

t.test('remove: deleteMessage; already gone and older than 48 hours fail for good with a clear message; 429 retryable', async (t) => {
  const id = await sendDirect(9307, 'to be deleted')
  await remove(9307, id)
  t.match(fake.calls('deleteMessage').at(-1)?.params, { chat_id: 9307, message_id: parseExternalId(id).messageId })
  t.equal(stored(id), undefined, 'gone from the chat')
  const again = await rejection(remove(9307, id))
  t.match(again, { retryable: false })
  t.match(again.message, /already gone/)

  const old = await sendDirect(9307, 'an old one')
  fake.age(9307, parseExternalId(old).messageId, 49)
  const tooOld = await rejection(remove(9307, old))
  t.match(tooOld, { retryable: false })
  t.match(tooOld.message, /within 48 hours/)
  t.ok(stored(old) !== undefined, 'still in the chat')

  const limited = await sendDirect(9307, 'rate limited')
  fake.failNext(1, 429, 2)
  t.match(await rejection(remove(9307, limited)), { retryable: true, retryAfterMs: 2000 })
  await remove(9307, limited)
  t.equal(stored(limited), undefined)
})

t.test('a blocked bot cannot edit: undeliverable', async (t) => {
  const id = await sendDirect(9308, 'before the block')
  fake.block(9308)
  t.match(await rejection(edit(9308, id, 'after the block')), { retryable: false, undeliverable: true })
})
