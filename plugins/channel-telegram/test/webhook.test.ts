// Inbound: the secret token header (constant-time), raw bytes kept until it is checked, updates
// mapped to messages (text, edits, button presses, stickers, voice), de-duplication across retries,
// concurrency and instances, provider time as sentAt, and bad input answered without a 5xx.
import t from 'tap'
import { buildTestApp, type TestApp } from '@openline/testing'
import { telegramPlugin } from '../src/index.ts'
import { startFakeTelegram, type FakeTelegram } from './fakeApi.ts'
import { connectBot, deliver, messageUpdate, nextMessageId, nextUpdateId, sql, user, waitFor, webhookPath } from './helpers.ts'

let h: TestApp
let fake: FakeTelegram
let other: FakeTelegram
let connectionId: string
let otherConnectionId: string

t.before(async () => {
  fake = await startFakeTelegram()
  other = await startFakeTelegram({ token: '654321:OTHER-fake-token_abcdefghijklmnop', username: 'other_bot' })
  h = await buildTestApp({ plugins: [telegramPlugin] })
  ;({ connectionId } = await connectBot(h, fake, 'Telegram'))
  ;({ connectionId: otherConnectionId } = await connectBot(h, other, 'Other bot'))
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
  await other?.close()
})

const messageCount = async (): Promise<number> => (await sql<{ n: number }>(h, 'select count(*)::int as n from messages'))[0].n
const messageByExternal = async (externalId: string): Promise<Record<string, any> | undefined> =>
  (await sql(h, 'select m.id::text, m.body, m.attachments, m.meta, m.sent_at, m.quote_message_id::text, m.conversation_id::text from messages m where m.external_id = ?', [externalId]))[0]

t.test('a text message with non-ASCII text is stored once, with the sender and provider time', async (t) => {
  const date = Math.floor(Date.now() / 1000) - 60
  const update = messageUpdate(8001, { text: 'Olá, ação ✓ — 你好 😀' }, { date })
  // Telegram escapes nothing beyond JSON's rules; send some characters \u-escaped and odd spacing too:
  // the body is never re-serialised, only the header is checked.
  const raw = JSON.stringify(update, null, 1).replace('你好', '\\u4f60\\u597d')
  const res = await deliver(h, fake, connectionId, update, { raw })
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.equal(res.body.duplicate, false)
  const message = update.message as Record<string, any>
  const row = await messageByExternal(`8001:${message.message_id}`)
  t.equal(row?.body, 'Olá, ação ✓ — 你好 😀')
  t.equal(new Date(row?.sent_at).getTime(), date * 1000, 'sentAt is the provider date')
  t.equal(row?.meta.updateId, update.update_id)
  t.equal(row?.meta.chatType, 'private')
  const [identity] = await sql(h, "select i.external_chat_id, c.name, c.locale from client_identities i join clients c on c.id = i.client_id where i.external_user_id = '8001'")
  t.same(identity, { external_chat_id: '8001', name: 'User8001 Tester', locale: 'en' })
})

t.test('the secret token: missing, wrong, another bot\'s → 401 and nothing stored', async (t) => {
  const before = await messageCount()
  const update = messageUpdate(8002, { text: 'spoofed' })
  t.equal((await deliver(h, fake, connectionId, update, { secret: null })).status, 401, 'missing')
  t.equal((await deliver(h, fake, connectionId, update, { secret: 'x' })).status, 401, 'short')
  const real = String(fake.webhook()?.secret_token)
  t.equal((await deliver(h, fake, connectionId, update, { secret: real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A') })).status, 401, 'one character off')
  t.equal((await deliver(h, fake, connectionId, update, { secret: real + 'x' })).status, 401, 'longer')
  t.equal((await deliver(h, fake, connectionId, update, { secret: String(other.webhook()?.secret_token) })).status, 401, 'the other bot\'s secret')
  t.equal((await deliver(h, fake, connectionId, null, { secret: null, raw: '{"update_id": ' })).status, 401, 'the secret is checked before parsing')
  t.equal(await messageCount(), before)
  t.equal((await deliver(h, fake, '999999', update)).status, 404, 'unknown connection')
  t.equal((await deliver(h, fake, 'abc', update)).status, 404, 'not an id')
  t.equal((await deliver(h, other, otherConnectionId, messageUpdate(8002, { text: 'to the other bot' }))).status, 200, 'each connection has its own secret')
})

t.test('the same update 5 times, 10 times concurrently, and on two instances → one message', async (t) => {
  const update = messageUpdate(8003, { text: 'once please' })
  const first = await deliver(h, fake, connectionId, update)
  t.equal(first.body.duplicate, false)
  for (let i = 0; i < 4; i++) {
    const again = await deliver(h, fake, connectionId, update)
    t.equal(again.status, 200)
    t.equal(again.body.duplicate, true)
    t.equal(again.body.messageId, first.body.messageId)
  }
  const racing = messageUpdate(8003, { text: 'racing' })
  const results = await Promise.all(Array.from({ length: 10 }, () => deliver(h, fake, connectionId, racing)))
  t.ok(results.every(r => r.status === 200))
  t.equal(results.filter(r => r.body.duplicate === false).length, 1)
  t.equal(new Set(results.map(r => r.body.messageId)).size, 1)

  const second = await buildTestApp({ database: h.database, redisPrefix: h.config.redisPrefix, plugins: [telegramPlugin] })
  t.teardown(() => second.close())
  const both = messageUpdate(8004, { text: 'two instances' })
  const spread = await Promise.all(Array.from({ length: 10 }, (_, i) => deliver(i % 2 === 0 ? h : second, fake, connectionId, both)))
  t.ok(spread.every(r => r.status === 200), JSON.stringify(spread.map(r => r.status)))
  t.equal(spread.filter(r => r.body.duplicate === false).length, 1)
  const [n] = await sql(h, "select count(*)::int as n from messages where body in ('once please', 'racing', 'two instances')")
  t.equal(n.n, 3)
  const [conversations] = await sql(h, "select count(*)::int as n from conversations c join client_identities i on i.id = c.client_identity_id where i.external_user_id = '8004'")
  t.equal(conversations.n, 1)
})

t.test('out-of-order delivery: sentAt carries provider time, so the later-sent sorts last', async (t) => {
  const admin = await h.login(h.admin.email, h.admin.password)
  const base = Math.floor(Date.now() / 1000) - 30
  const early = messageUpdate(8005, { text: 'first (sent earlier)' }, { date: base })
  const late = messageUpdate(8005, { text: 'second (sent later)' }, { date: base + 5 })
  const a = await deliver(h, fake, connectionId, late)
  const b = await deliver(h, fake, connectionId, early)
  t.equal(a.body.conversationId, b.body.conversationId)
  const page = await admin.query<any>('query($c: ID!) { messages(conversationId: $c) { nodes { body sentAt } } }', { c: a.body.conversationId })
  t.equal(page.errors, undefined, JSON.stringify(page.errors))
  const byTime = [...page.data.messages.nodes].sort((x: any, y: any) => Date.parse(x.sentAt) - Date.parse(y.sentAt)).map((m: any) => m.body)
  t.same(byTime, ['first (sent earlier)', 'second (sent later)'])
  const [conv] = await sql(h, 'select last_client_message_at from conversations where id = ?', [a.body.conversationId])
  t.equal(new Date(conv.last_client_message_at).getTime(), (base + 5) * 1000)
})

t.test('an edited message is stored as a new message quoting the original; the same edit once', async (t) => {
  const original = messageUpdate(8006, { text: 'helo' })
  const o = await deliver(h, fake, connectionId, original)
  const m = original.message as Record<string, any>
  const edit = { update_id: nextUpdateId(), edited_message: { ...m, text: 'hello', edit_date: m.date + 20 } }
  const e1 = await deliver(h, fake, connectionId, edit)
  const e2 = await deliver(h, fake, connectionId, edit)
  t.equal(e1.status, 200)
  t.equal(e1.body.duplicate, false)
  t.equal(e2.body.duplicate, true)
  const row = await messageByExternal(`8006:${m.message_id}:e${m.date + 20}`)
  t.equal(row?.body, 'hello')
  t.equal(row?.meta.editOf, `8006:${m.message_id}`)
  t.equal(row?.quote_message_id, o.body.messageId, 'quotes the original')
  t.equal(new Date(row?.sent_at).getTime(), (m.date + 20) * 1000)
})

t.test('a pressed inline button: stored with its label and callback data, and answered', async (t) => {
  const id = `cbq-${Date.now()}`
  const update = {
    update_id: nextUpdateId(),
    callback_query: {
      id,
      from: user(8007),
      message: {
        message_id: 500_123,
        from: { id: fake.bot.id, is_bot: true, first_name: 'Openline Test', username: fake.bot.username },
        chat: { id: 8007, type: 'private', first_name: 'User8007' },
        date: Math.floor(Date.now() / 1000) - 5,
        text: 'How did we do?',
        reply_markup: { inline_keyboard: [[{ text: '👍 Good', callback_data: 'rate:good' }, { text: '👎 Bad', callback_data: 'rate:bad' }]] }
      },
      chat_instance: '-123456789',
      data: 'rate:good'
    }
  }
  const res = await deliver(h, fake, connectionId, update)
  t.equal(res.status, 200, JSON.stringify(res.body))
  const row = await messageByExternal(`cb:${id}`)
  t.equal(row?.body, '👍 Good')
  t.equal(row?.meta.callbackData, 'rate:good')
  t.equal(row?.meta.callbackQueryId, id)
  t.equal(row?.meta.callbackMessageId, '8007:500123')
  await waitFor('answerCallbackQuery', async () => fake.calls('answerCallbackQuery').some(c => c.params.callback_query_id === id))
  await deliver(h, fake, connectionId, update)
  await new Promise(resolve => setTimeout(resolve, 200))
  t.equal(fake.calls('answerCallbackQuery').filter(c => c.params.callback_query_id === id).length, 1, 'a redelivery is not answered again')
})

t.test('stickers, voice, location, contact and polls become messages', async (t) => {
  fake.addFile({ fileId: 'sticker-file-1', bytes: Buffer.from('RIFF....WEBPVP8 sticker'), filePath: 'stickers/file_1.webp' })
  const sticker = await deliver(h, fake, connectionId, messageUpdate(8008, { sticker: { file_id: 'sticker-file-1', file_unique_id: 'AgADs1', type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, emoji: '😂', set_name: 'Funny', file_size: 23 } }))
  t.equal(sticker.status, 200)
  const s = await sql(h, 'select body, attachments from messages where id = ?', [sticker.body.messageId])
  t.equal(s[0].body, '😂', 'the emoji as text')
  t.match(s[0].attachments, [{ kind: 'sticker', mimeType: 'image/webp', providerFileId: 'sticker-file-1', storageKey: String }])

  fake.addFile({ fileId: 'voice-file-1', bytes: Buffer.from('OggS voice'), filePath: 'voice/file_2.oga' })
  const voice = await deliver(h, fake, connectionId, messageUpdate(8008, { voice: { file_id: 'voice-file-1', file_unique_id: 'AgADv1', duration: 3, mime_type: 'audio/ogg', file_size: 10 } }))
  const v = await sql(h, 'select body, attachments from messages where id = ?', [voice.body.messageId])
  t.equal(v[0].body, '')
  t.match(v[0].attachments, [{ kind: 'audio', mimeType: 'audio/ogg', providerFileId: 'voice-file-1', size: 10, storageKey: String }])

  const location = await deliver(h, fake, connectionId, messageUpdate(8008, { location: { latitude: 52.2297, longitude: 21.0122 } }))
  const l = await sql(h, 'select body, meta from messages where id = ?', [location.body.messageId])
  t.equal(l[0].body, '📍 52.2297, 21.0122')
  t.same(l[0].meta.location, { latitude: 52.2297, longitude: 21.0122 })

  const contact = await deliver(h, fake, connectionId, messageUpdate(8008, { contact: { phone_number: '+48123456789', first_name: 'Ana', user_id: 8008 } }))
  t.equal((await sql(h, 'select body from messages where id = ?', [contact.body.messageId]))[0].body, '👤 Ana +48123456789')

  const poll = await deliver(h, fake, connectionId, messageUpdate(8008, { poll: { id: '1', question: 'Q?', options: [] } }))
  t.equal((await sql(h, 'select body from messages where id = ?', [poll.body.messageId]))[0].body, '[poll]')
})

t.test('bad input: malformed JSON 400, oversize 413, unknown update types 200 ignored, never a 5xx', async (t) => {
  const before = await messageCount()
  t.equal((await deliver(h, fake, connectionId, null, { raw: '{"update_id": 1, "message": ' })).status, 400, 'truncated JSON')
  t.equal((await deliver(h, fake, connectionId, null, { raw: '' })).status, 400, 'empty body')
  t.equal((await deliver(h, fake, connectionId, null, { raw: '[1,2,3]' })).status, 400, 'not an object')
  t.equal((await deliver(h, fake, connectionId, null, { raw: '{"message": {}}' })).status, 400, 'no update_id')
  t.equal((await deliver(h, fake, connectionId, null, { raw: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) })).status, 400, 'binary junk')
  const big = JSON.stringify(messageUpdate(8009, { text: 'x'.repeat(300 * 1024) }))
  t.equal((await deliver(h, fake, connectionId, null, { raw: big })).status, 413, 'oversize')
  t.equal((await deliver(h, fake, connectionId, { update_id: nextUpdateId(), text: 'x' }, { contentType: 'text/plain' })).status, 415, 'not JSON')

  const member = await deliver(h, fake, connectionId, { update_id: nextUpdateId(), my_chat_member: { chat: { id: 8009, type: 'private' }, from: user(8009), date: 1, old_chat_member: { status: 'member' }, new_chat_member: { status: 'kicked' } } })
  t.equal(member.status, 200)
  t.match(member.body.ignored, /my_chat_member/)
  const service = await deliver(h, fake, connectionId, messageUpdate(8009, { new_chat_members: [user(1)] }))
  t.equal(service.status, 200, 'a service message')
  t.ok(service.body.ignored)
  const noChat = await deliver(h, fake, connectionId, { update_id: nextUpdateId(), message: { message_id: 1, text: 'no chat' } })
  t.equal(noChat.status, 200)
  t.equal(await messageCount(), before, 'nothing stored')

  // What PostgreSQL cannot store is cleaned, not a 500.
  const nul = await deliver(h, fake, connectionId, {
    update_id: nextUpdateId(),
    message: { message_id: nextMessageId(), from: user(8010, { first_name: 'Bad\u0000Name\ud800', last_name: 'x'.repeat(1000) }), chat: { id: 8010, type: 'private' }, date: 1e15, text: 'nul \u0000 and \udc00 lone' }
  })
  t.equal(nul.status, 200, JSON.stringify(nul.body))
  const [row] = await sql(h, 'select body, sent_at from messages where id = ?', [nul.body.messageId])
  t.equal(row.body, 'nul  and \ufffd lone')
  t.ok(Math.abs(new Date(row.sent_at).getTime() - Date.now()) < 60_000, 'an impossible date falls back to now')
  t.equal((await fetch(`${h.url}/health/live`)).status, 200)
})

t.test('the webhook path is the one registered with setWebhook', async (t) => {
  t.ok(fake.webhook()?.url.endsWith(webhookPath(connectionId)))
})
