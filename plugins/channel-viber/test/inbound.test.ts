// Viber callbacks: connect/disconnect at the provider, signatures over the raw bytes, the
// availability check, de-duplication by message_token (also across two instances), ordering by
// Viber's timestamp, every message type, media fetched only from the provider's hosts, the
// conversation_started welcome, and the refusals (401/400/413, unknown events 200).
import t from 'tap'
import type { TestApp } from '@openline/testing'
import { startFakeViber, messageEvent, nextMessageToken, sign, callbackRaw, pngBytes, type FakeViber } from './fakeApi.ts'
import { buildTestApp, plugins, connectViber, postCallback, sql, pluginName } from './helpers.ts'

let h: TestApp
let fake: FakeViber
let connectionId: string
let externalAccountId: string

t.before(async () => {
  fake = await startFakeViber()
  h = await buildTestApp({ plugins })
  ;({ connectionId, externalAccountId } = await connectViber(h, fake, { welcomeText: 'Hello {{name}}, how can we help?', mediaHosts: ['viber.com', 'localhost'] }))
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

const post = (body: Record<string, unknown> | string, options: { signature?: string | null } = {}) => postCallback(h, connectionId, fake.token, body, options)
const messagesCount = async (): Promise<number> => (await sql<{ n: number }>(h, 'select count(*)::int as n from messages'))[0].n

t.test('connect: get_account_info names the account, set_webhook registers the URL after a signed check', async (t) => {
  t.equal(externalAccountId, fake.accountId)
  t.equal(fake.accountInfoCalls(), 1)
  const [hook] = fake.webhooks()
  t.equal(hook.url, `${h.url}/plugins/${pluginName}/webhook/${connectionId}`)
  t.same(hook.event_types, ['delivered', 'seen', 'failed', 'subscribed', 'unsubscribed', 'conversation_started'])
  t.equal(hook.send_name, true)
  t.equal(hook.send_photo, true)
  t.equal(hook.checkStatus, 200, 'the availability check was answered 200')
  const [row] = await sql(h, 'select settings, secrets is not null as sealed from channel_connections where id = ?', [connectionId])
  t.equal(row.settings.botName, 'Fake Support Bot', 'the bot name is kept for hidden senders')
  t.equal(row.settings.authToken, undefined, 'the token is not stored in plain settings')
  t.equal(row.sealed, true)
})

t.test('connect with a wrong token fails and stores nothing', async (t) => {
  const admin = await h.login(h.admin.email, h.admin.password)
  const oc = await admin.query<any>('mutation { createOpenChannel(input: { name: "Wrong token" }) { id } }')
  const before = (await sql(h, 'select count(*)::int as n from channel_connections'))[0].n
  const res = await admin.query<any>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }', {
    i: { openChannelId: oc.data.createOpenChannel.id, connector: 'viber', settings: { authToken: 'aaaaaaaaaaaa-bbbbbbbbbbbb', apiBaseUrl: fake.apiBaseUrl } }
  })
  t.equal(res.errors?.[0].extensions?.code, 'OL_CONNECT_FAILED')
  t.match(res.errors?.[0].message, /invalidAuthToken/)
  t.equal((await sql(h, 'select count(*)::int as n from channel_connections'))[0].n, before)
})

t.test('a signed text with non-ASCII characters is stored once; re-serialised or missing signatures are refused', async (t) => {
  const token = nextMessageToken()
  // Escapes and spacing as Viber may send them: re-serialising this JSON would change the bytes.
  const raw = `{ "event":"message", "timestamp":${Date.now()}, "chat_hostname":"SN-CHAT-05_", "message_token":${token},` +
    ' "sender":{"id":"01234567890A=","name":"Jo\\u00e3o","language":"pt","country":"BR","api_version":10},' +
    ' "message":{"type":"text","text":"Olá, ação ✓ — \\ud83d\\ude00 привет"}, "silent":false }'
  const before = await messagesCount()
  t.equal((await post(raw, { signature: sign(fake.token, JSON.stringify(JSON.parse(raw))) })).status, 401, 'signature over re-serialised JSON')
  t.equal((await post(raw, { signature: null })).status, 401, 'no signature')
  t.equal((await post(raw, { signature: 'zz' })).status, 401, 'garbage signature')
  t.equal((await post(raw, { signature: sign('another-token-123456', raw) })).status, 401, 'signed with another token')
  t.equal(await messagesCount(), before, 'nothing stored')
  const ok = await post(raw)
  t.equal(ok.status, 200)
  const [row] = await sql(h, 'select m.body, m.external_id, c.name from messages m join conversations cv on cv.id = m.conversation_id join clients c on c.id = cv.client_id where m.id = ?', [ok.body.messageId])
  t.same(row, { body: 'Olá, ação ✓ — 😀 привет', external_id: token, name: 'João' })
})

t.test('the same message_token 5 times, and concurrently: one message', async (t) => {
  const body = messageEvent({ userId: 'dup-user', message: { type: 'text', text: 'once' } })
  const first = await post(body)
  t.equal(first.body.duplicate, false)
  for (let i = 0; i < 4; i++) t.equal((await post(body)).body.messageId, first.body.messageId)
  const again = messageEvent({ userId: 'dup-user', message: { type: 'text', text: 'concurrent' } })
  const results = await Promise.all(Array.from({ length: 5 }, () => post(again)))
  t.same(results.map(r => r.status), [200, 200, 200, 200, 200])
  t.equal(new Set(results.map(r => r.body.messageId)).size, 1)
  t.equal(results.filter(r => r.body.duplicate === false).length, 1)
  t.equal((await sql(h, "select count(*)::int as n from messages where body in ('once', 'concurrent')"))[0].n, 2)
})

t.test('64-bit tokens that differ past double precision stay two messages', async (t) => {
  const a = await post(messageEvent({ userId: 'big-token', token: '4912661846655238145', message: { type: 'text', text: 'first' } }))
  const b = await post(messageEvent({ userId: 'big-token', token: '4912661846655238146', message: { type: 'text', text: 'second' } }))
  t.equal(a.body.duplicate, false)
  t.equal(b.body.duplicate, false)
  t.not(a.body.messageId, b.body.messageId)
  const rows = await sql(h, "select external_id from messages where external_id like '49126618466552381%' order by external_id")
  t.same(rows.map((r: any) => r.external_id), ['4912661846655238145', '4912661846655238146'])
})

t.test('the same callback on two instances, concurrently: one message', async (t) => {
  const second = await buildTestApp({ database: h.database, redisPrefix: h.config.redisPrefix, plugins })
  t.teardown(() => second.close())
  const body = callbackRaw(messageEvent({ userId: 'two-instances', message: { type: 'text', text: 'two instances' } }))
  const signature = sign(fake.token, body)
  const send = (app: TestApp) => fetch(`${app.url}/plugins/${pluginName}/webhook/${connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-viber-content-signature': signature }, body }).then(async r => ({ status: r.status, body: await r.json() as any }))
  const results = await Promise.all([h, second, h, second, h, second].map(send))
  t.same(results.map(r => r.status), [200, 200, 200, 200, 200, 200])
  t.equal(new Set(results.map(r => r.body.messageId)).size, 1)
  t.equal((await sql(h, "select count(*)::int as n from messages where body = 'two instances'"))[0].n, 1)
})

t.test('out-of-order callbacks are ordered by Viber\'s timestamp', async (t) => {
  const base = Date.now() - 60_000
  const later = await post(messageEvent({ userId: 'ooo', timestamp: base + 2000, message: { type: 'text', text: 'second' } }))
  await post(messageEvent({ userId: 'ooo', timestamp: base + 1000, message: { type: 'text', text: 'first' } }))
  const rows = await sql(h, 'select body, sent_at from messages where conversation_id = ? order by sent_at, id', [later.body.conversationId])
  t.same(rows.map((r: any) => r.body), ['first', 'second'])
  t.equal(new Date(rows[0].sent_at).getTime(), base + 1000)
})

t.test('pictures and files are fetched from the provider and stored; other message types mapped', async (t) => {
  const picture = await post(messageEvent({ userId: 'media', message: { type: 'picture', text: 'my photo', media: `${fake.origin}/media/photo.png`, thumbnail: `${fake.origin}/media/thumb.png`, size: pngBytes.length, file_name: 'photo.png' } }))
  t.equal(picture.status, 200)
  const [p] = await sql(h, 'select body, attachments from messages where id = ?', [picture.body.messageId])
  t.equal(p.body, 'my photo')
  t.match(p.attachments, [{ kind: 'image', name: 'photo.png', mimeType: 'image/png', size: pngBytes.length, providerFileId: `${fake.origin}/media/photo.png`, storageKey: /^\d{4}\/\d{2}\// }])

  const file = await post(messageEvent({ userId: 'media', message: { type: 'file', media: `${fake.origin}/media/report.pdf`, size: 1234, file_name: 'report.pdf' } }))
  const [f] = await sql(h, 'select body, attachments from messages where id = ?', [file.body.messageId])
  t.match(f.attachments, [{ kind: 'file', name: 'report.pdf', storageKey: /^\d{4}\// }])

  const video = await post(messageEvent({ userId: 'media', message: { type: 'video', media: `${fake.origin}/media/clip.mp4`, size: 99, duration: 12 } }))
  t.match((await sql(h, 'select attachments, meta from messages where id = ?', [video.body.messageId]))[0], { attachments: [{ kind: 'video' }], meta: { duration: 12 } })

  const sticker = await post(messageEvent({ userId: 'media', message: { type: 'sticker', sticker_id: 46105, media: `${fake.origin}/media/sticker.png` } }))
  t.match((await sql(h, 'select attachments, meta from messages where id = ?', [sticker.body.messageId]))[0], { attachments: [{ kind: 'sticker', storageKey: /\// }], meta: { stickerId: 46105 } })

  const location = await post(messageEvent({ userId: 'media', message: { type: 'location', location: { lat: 50.76891, lon: 6.11499, address: 'Somewhere' } } }))
  t.match((await sql(h, 'select attachments, meta from messages where id = ?', [location.body.messageId]))[0], { attachments: [{ kind: 'location', providerFileId: 'geo:50.76891,6.11499' }], meta: { location: { lat: 50.76891, lon: 6.11499 } } })

  const contact = await post(messageEvent({ userId: 'media', message: { type: 'contact', contact: { name: 'Itamar', phone_number: '+972511123123' } } }))
  t.match((await sql(h, 'select body, meta from messages where id = ?', [contact.body.messageId]))[0], { body: 'Itamar +972511123123', meta: { contact: { name: 'Itamar', phone: '+972511123123' } } })

  const url = await post(messageEvent({ userId: 'media', message: { type: 'url', media: 'https://example.com/page' } }))
  t.equal((await sql(h, 'select body from messages where id = ?', [url.body.messageId]))[0].body, 'https://example.com/page')
})

t.test('media on other hosts or private addresses is refused, the message still stored', async (t) => {
  const other = await post(messageEvent({ userId: 'ssrf', message: { type: 'picture', media: 'http://169.254.169.254/latest/meta-data/' } }))
  t.equal(other.status, 200)
  const [a] = await sql(h, 'select attachments from messages where id = ?', [other.body.messageId])
  t.same(a.attachments, [{ kind: 'image', providerFileId: 'http://169.254.169.254/latest/meta-data/' }], 'kept without bytes')
  // "localhost" is an allowed media host in this connection's settings, but it resolves to loopback: the SSRF guard refuses it.
  const port = new URL(fake.origin).port
  const loopback = await post(messageEvent({ userId: 'ssrf', message: { type: 'file', media: `http://localhost:${port}/media/secret`, size: 10, file_name: 'secret' } }))
  t.equal(loopback.status, 200)
  const [b] = await sql(h, 'select attachments from messages where id = ?', [loopback.body.messageId])
  t.equal(b.attachments[0].storageKey, undefined)
  t.equal(b.attachments[0].providerFileId, `http://localhost:${port}/media/secret`)
})

t.test('conversation_started is answered with the welcome message and opens no conversation', async (t) => {
  const res = await post({ event: 'conversation_started', timestamp: Date.now(), chat_hostname: 'SN-CHAT-05_', message_token: nextMessageToken(), type: 'open', context: 'ctx', user: { id: 'newcomer=', name: 'Ana', avatar: 'https://x.viber.com/a.jpg', country: 'PT', language: 'pt', api_version: 10 }, subscribed: false })
  t.equal(res.status, 200)
  t.same(res.body, { sender: { name: 'Fake Support Bot', avatar: 'https://media.example.com/icon.jpg' }, type: 'text', text: 'Hello Ana, how can we help?' })
  t.equal((await sql(h, "select count(*)::int as n from client_identities where external_user_id = 'newcomer='"))[0].n, 0)
})

t.test('status, subscription and unknown callbacks answer 200 and store nothing', async (t) => {
  const before = await messagesCount()
  const now = Date.now()
  for (const body of [
    { event: 'webhook', timestamp: now, chat_hostname: 'SN', message_token: nextMessageToken() },
    { event: 'subscribed', timestamp: now, chat_hostname: 'SN', user: { id: 'sub=', name: 'S' }, message_token: nextMessageToken() },
    { event: 'unsubscribed', timestamp: now, chat_hostname: 'SN', user_id: 'sub=', message_token: nextMessageToken() },
    { event: 'delivered', timestamp: now, chat_hostname: 'SN', message_token: nextMessageToken(), user_id: 'sub=' },
    { event: 'seen', timestamp: now, chat_hostname: 'SN', message_token: nextMessageToken(), user_id: 'sub=' },
    { event: 'failed', timestamp: now, chat_hostname: 'SN', message_token: nextMessageToken(), user_id: 'sub=', desc: 'failure description' },
    { event: 'client_status', timestamp: now, chat_hostname: 'SN', message_token: nextMessageToken() },
    messageEvent({ userId: 'empty', message: { type: 'rich_media' } })
  ]) {
    const res = await post(body)
    t.equal(res.status, 200, String(body.event))
  }
  t.equal(await messagesCount(), before)
})

t.test('malformed JSON 400, oversize 413, missing fields 400, unknown connection 404', async (t) => {
  const before = await messagesCount()
  t.equal((await post('{"event":"message", "message_token": ')).status, 400)
  t.equal((await post('[1,2,3]')).status, 400)
  t.equal((await post({ event: 'message', timestamp: Date.now(), message: { type: 'text', text: 'no sender' } })).status, 400)
  const huge = callbackRaw(messageEvent({ userId: 'huge', message: { type: 'text', text: 'x'.repeat(200_000) } }))
  t.equal((await post(huge)).status, 413)
  const unknown = await fetch(`${h.url}/plugins/${pluginName}/webhook/999999`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-viber-content-signature': sign(fake.token, '{}') }, body: '{}' })
  t.equal(unknown.status, 404)
  // A bot being connected on another instance (row not committed yet): only the availability check is answered.
  const check = '{"event":"webhook","timestamp":1457764197627,"chat_hostname":"SN-CHAT-05_","message_token":4912661846655238145}'
  const early = await fetch(`${h.url}/plugins/${pluginName}/webhook/999998`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: check })
  t.equal(early.status, 200)
  t.equal(await messagesCount(), before)
})

t.test('a charset in the content type is fine', async (t) => {
  const raw = callbackRaw(messageEvent({ userId: 'charset', message: { type: 'text', text: 'with charset' } }))
  const res = await fetch(`${h.url}/plugins/${pluginName}/webhook/${connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'x-viber-content-signature': sign(fake.token, raw) }, body: raw })
  t.equal(res.status, 200)
})

t.test('disconnect removes the webhook at Viber', async (t) => {
  const extra = await connectViber(h, await (async () => fake)(), {})
  t.equal(extra.externalAccountId, fake.accountId, 'the same bot: the connection moved')
  const admin = await h.login(h.admin.email, h.admin.password)
  const res = await admin.query<any>('mutation($id: ID!) { disconnectChannel(id: $id) { status } }', { id: extra.connectionId })
  t.equal(res.errors, undefined, JSON.stringify(res.errors))
  t.equal(fake.webhooks().at(-1)?.url, '', 'set_webhook with an empty url')
  const late = await postCallback(h, extra.connectionId, fake.token, messageEvent({ userId: 'late', message: { type: 'text', text: 'after disconnect' } }))
  t.equal(late.status, 410, 'a late callback is refused, not stored')
  t.equal((await sql(h, "select count(*)::int as n from messages where body = 'after disconnect'"))[0].n, 0)
})
