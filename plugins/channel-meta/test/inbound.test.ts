// Meta webhooks: connect/disconnect (page check, subscribed_apps), the verification handshake,
// X-Hub-Signature-256 over the raw bytes, de-duplication by mid (also across two instances),
// ordering by Meta's timestamp, attachments from the CDN hosts only, delivery receipts, postbacks,
// Instagram, and the refusals (401/400/413, unknown events 200).
import t from 'tap'
import type { TestApp } from '@openline/testing'
import { startFakeMeta, messageEvent, webhookBody, nextMid, sign, pngBytes, type FakeMeta } from './fakeApi.ts'
import { buildTestApp, plugins, connectMeta, postWebhook, postRepeatedly, sql, pluginName } from './helpers.ts'

let h: TestApp
let fake: FakeMeta
let connectionId: string
let externalAccountId: string

t.before(async () => {
  fake = await startFakeMeta()
  h = await buildTestApp({ plugins })
  ;({ connectionId, externalAccountId } = await connectMeta(h, fake, 'messenger', { verifyToken: 'my-verify-token', mediaHosts: ['fbcdn.net', 'localhost'] }))
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

const post = (body: Record<string, unknown> | string, options: { signature?: string | null } = {}) => postWebhook(h, connectionId, fake.appSecret, body, options)
const page = (messaging: Record<string, unknown>[]) => webhookBody('page', fake.pageId, messaging)
const text = (userId: string, body: string, extra: { timestamp?: number, mid?: string } = {}) => page([messageEvent({ pageId: fake.pageId, userId, text: body, ...extra })])
const messagesCount = async (): Promise<number> => (await sql<{ n: number }>(h, 'select count(*)::int as n from messages'))[0].n

t.test('connect: /me names the page, the app is subscribed to its messaging fields; secrets sealed', async (t) => {
  t.equal(externalAccountId, fake.pageId)
  t.same(fake.subscriptions(), [{ method: 'POST', pageId: fake.pageId, fields: 'messages,messaging_postbacks,message_deliveries,message_reads' }])
  const [row] = await sql(h, 'select settings, secrets is not null as sealed from channel_connections where id = ?', [connectionId])
  t.equal(row.settings.pageAccessToken, undefined)
  t.equal(row.settings.appSecret, undefined)
  t.equal(row.settings.verifyToken, undefined)
  t.equal(row.settings.apiVersion, 'v21.0')
  t.equal(row.sealed, true)
})

t.test('connect with a wrong token fails and stores nothing', async (t) => {
  const admin = await h.login(h.admin.email, h.admin.password)
  const oc = await admin.query<any>('mutation { createOpenChannel(input: { name: "Wrong token" }) { id } }')
  const before = (await sql(h, 'select count(*)::int as n from channel_connections'))[0].n
  const res = await admin.query<any>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }', {
    i: { openChannelId: oc.data.createOpenChannel.id, connector: 'messenger', settings: { pageAccessToken: 'EAAGwrongwrongwrong', appSecret: fake.appSecret, apiBaseUrl: fake.apiBaseUrl } }
  })
  t.equal(res.errors?.[0].extensions?.code, 'OL_CONNECT_FAILED')
  t.match(res.errors?.[0].message, /190/)
  t.equal((await sql(h, 'select count(*)::int as n from channel_connections'))[0].n, before)
})

t.test('verification handshake: the challenge is echoed for the right verify token only', async (t) => {
  const url = (q: string) => `${h.url}/plugins/${pluginName}/webhook/${connectionId}?${q}`
  const ok = await fetch(url('hub.mode=subscribe&hub.verify_token=my-verify-token&hub.challenge=1158201444'))
  t.equal(ok.status, 200)
  t.equal(await ok.text(), '1158201444')
  t.equal((await fetch(url('hub.mode=subscribe&hub.verify_token=wrong-token&hub.challenge=1'))).status, 403)
  t.equal((await fetch(url('hub.mode=subscribe&hub.challenge=1'))).status, 400)
  t.equal((await fetch(url('hub.mode=unsubscribe&hub.verify_token=my-verify-token&hub.challenge=1'))).status, 400)
  t.equal((await fetch(`${h.url}/plugins/${pluginName}/webhook/999999?hub.mode=subscribe&hub.verify_token=my-verify-token&hub.challenge=1`)).status, 404)
})

t.test('a generated verify token when none is given (sealed)', async (t) => {
  const other = await connectMeta(h, fake, 'instagram', {})
  const row = (await h.core.pluginContextOf('instagram').connections.get(other.connectionId))!
  t.type(row.secrets.verifyToken, 'string')
  t.ok(String(row.secrets.verifyToken).length >= 20)
  const res = await fetch(`${h.url}/plugins/${pluginName}/webhook/${other.connectionId}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(String(row.secrets.verifyToken))}&hub.challenge=abc`)
  t.equal(await res.text(), 'abc')
})

t.test('a signed text with non-ASCII and escaped unicode is stored once; re-serialised or missing signatures are refused', async (t) => {
  const mid = nextMid()
  // Escapes and spacing as Meta sends them: re-serialising this JSON would change the bytes.
  const raw = `{"object":"page","entry":[{"id":"${fake.pageId}","time":${Date.now()},"messaging":[{"sender":{"id":"6543210987"},"recipient":{"id":"${fake.pageId}"},` +
    `"timestamp":${Date.now()},"message":{"mid":"${mid}","text":"Ol\\u00e1, a\\u00e7\\u00e3o \\u2713 \\ud83d\\ude00 \\/ привет ç"}}]}]}`
  const before = await messagesCount()
  t.equal((await post(raw, { signature: sign(fake.appSecret, JSON.stringify(JSON.parse(raw))) })).status, 401, 'signature over re-serialised JSON')
  t.equal((await post(raw, { signature: null })).status, 401, 'no signature')
  t.equal((await post(raw, { signature: 'sha256=zz' })).status, 401, 'garbage signature')
  t.equal((await post(raw, { signature: sign(fake.appSecret, raw).replace('sha256=', 'sha1=') })).status, 401, 'wrong scheme')
  t.equal((await post(raw, { signature: sign('another-secret', raw) })).status, 401, 'signed with another secret')
  t.equal(await messagesCount(), before, 'nothing stored')
  const ok = await post(raw)
  t.equal(ok.status, 200)
  const [row] = await sql(h, 'select body, external_id from messages where id = ?', [ok.body.messages[0].messageId])
  t.same(row, { body: 'Olá, ação ✓ 😀 / привет ç', external_id: mid })
})

t.test('the same mid 5 times, and concurrently: one message', async (t) => {
  await postRepeatedly(t, post, text('dup-user', 'once'), text('dup-user', 'concurrent'))
  t.equal((await sql(h, "select count(*)::int as n from messages where body in ('once', 'concurrent')"))[0].n, 2)
})

t.test('the same webhook on two instances, concurrently: one message', async (t) => {
  const second = await buildTestApp({ database: h.database, redisPrefix: h.config.redisPrefix, plugins })
  t.teardown(() => second.close())
  const raw = JSON.stringify(text('two-instances', 'two instances'))
  const signature = sign(fake.appSecret, raw)
  const send = (app: TestApp) => fetch(`${app.url}/plugins/${pluginName}/webhook/${connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body: raw }).then(async r => ({ status: r.status, body: await r.json() as any }))
  const results = await Promise.all([h, second, h, second, h, second].map(send))
  t.same(results.map(r => r.status), [200, 200, 200, 200, 200, 200])
  t.equal(new Set(results.map(r => r.body.messages[0].messageId)).size, 1)
  t.equal((await sql(h, "select count(*)::int as n from messages where body = 'two instances'"))[0].n, 1)
})

t.test('out-of-order webhooks are ordered by Meta\'s timestamp; batched events all stored', async (t) => {
  const base = Date.now() - 60_000
  const later = await post(text('ooo', 'second', { timestamp: base + 2000 }))
  await post(text('ooo', 'first', { timestamp: base + 1000 }))
  const rows = await sql(h, 'select body, sent_at from messages where conversation_id = ? order by sent_at, id', [later.body.messages[0].conversationId])
  t.same(rows.map((r: any) => r.body), ['first', 'second'])
  t.equal(new Date(rows[0].sent_at).getTime(), base + 1000)
  const batch = await post(page([messageEvent({ pageId: fake.pageId, userId: 'batch', text: 'b1' }), messageEvent({ pageId: fake.pageId, userId: 'batch', text: 'b2' })]))
  t.equal(batch.body.messages.length, 2)
})

t.test('attachments: fetched and stored; other hosts and private addresses refused, the message still stored', async (t) => {
  const res = await post(page([messageEvent({ pageId: fake.pageId, userId: 'media', text: 'look', attachments: [
    { type: 'image', payload: { url: `${fake.origin}/media/photo.png` } },
    { type: 'file', payload: { url: `${fake.origin}/media/report.pdf` } },
    { type: 'image', payload: { url: 'http://169.254.169.254/latest/meta-data/' } },
    { type: 'video', payload: { url: `http://localhost:${new URL(fake.origin).port}/media/clip.mp4` } },
    { type: 'audio', payload: { url: 'https://evil.example.com/a.mp3' } }
  ] })]))
  t.equal(res.status, 200)
  const [row] = await sql(h, 'select body, attachments from messages where id = ?', [res.body.messages[0].messageId])
  t.equal(row.body, 'look')
  t.match(row.attachments, [
    { kind: 'image', mimeType: 'image/png', size: pngBytes.length, providerFileId: `${fake.origin}/media/photo.png`, storageKey: /^\d{4}\// },
    { kind: 'file', storageKey: /^\d{4}\// },
    { kind: 'image', providerFileId: 'http://169.254.169.254/latest/meta-data/' },
    { kind: 'video' },
    { kind: 'audio', providerFileId: 'https://evil.example.com/a.mp3' }
  ])
  t.equal(row.attachments[2].storageKey, undefined, 'not a media host: not fetched')
  t.equal(row.attachments[3].storageKey, undefined, 'a media host on loopback: refused by the SSRF guard')
  t.equal(row.attachments[4].storageKey, undefined)
  const only = await post(page([messageEvent({ pageId: fake.pageId, userId: 'media', attachments: [{ type: 'image', payload: { url: 'https://scontent.xx.fbcdn.net.invalid/v/t1.15752-9/x.png', sticker_id: 369239263222822 } }] })]))
  t.match((await sql(h, 'select attachments from messages where id = ?', [only.body.messages[0].messageId]))[0].attachments, [{ kind: 'sticker', providerFileId: /fbcdn/ }])
})

t.test('postbacks are text with meta.payload; echoes ignored; delivery receipts mark sent messages delivered', async (t) => {
  const pb = await post(page([{ sender: { id: 'pb-user' }, recipient: { id: fake.pageId }, timestamp: Date.now(), postback: { mid: nextMid(), title: 'Talk to a human', payload: 'HUMAN' } }]))
  const [row] = await sql(h, 'select body, meta from messages where id = ?', [pb.body.messages[0].messageId])
  t.match(row, { body: 'Talk to a human', meta: { payload: 'HUMAN', postback: true } })
  const before = await messagesCount()
  const echo = await post(page([messageEvent({ pageId: fake.pageId, userId: fake.pageId, text: 'our echo', extra: { is_echo: true, app_id: 1517776481860111 } })]))
  t.equal(echo.status, 200)
  t.equal(await messagesCount(), before)
  // An outgoing message with a known external id gets the receipt.
  const conversationId = pb.body.messages[0].conversationId
  const sent = await h.core.sendMessage({ conversationId, body: 'our reply', authorKind: 'agent', authorUserId: h.admin.id })
  await (await import('./helpers.ts')).waitFor('sent', async () => (await sql(h, 'select external_id from messages where id = ?', [sent.id]))[0].external_id !== null)
  const [{ external_id: mid }] = await sql(h, 'select external_id from messages where id = ?', [sent.id])
  const receipt = await post(page([{ sender: { id: 'pb-user' }, recipient: { id: fake.pageId }, timestamp: Date.now(), delivery: { mids: [mid, 'm_unknown'], watermark: Date.now() } }]))
  t.equal(receipt.status, 200)
  t.equal((await sql(h, 'select delivery_status from messages where id = ?', [sent.id]))[0].delivery_status, 'delivered')
  // A second reply, then a read watermark before it: only the first is read.
  const watermark = Date.now()
  await new Promise(resolve => setTimeout(resolve, 20))
  const later = await h.core.sendMessage({ conversationId, body: 'our later reply', authorKind: 'agent', authorUserId: h.admin.id })
  await (await import('./helpers.ts')).waitFor('sent', async () => (await sql(h, 'select external_id from messages where id = ?', [later.id]))[0].external_id !== null)
  const read = await post(page([{ sender: { id: 'pb-user' }, recipient: { id: fake.pageId }, timestamp: Date.now(), read: { watermark } }]))
  t.equal(read.status, 200)
  t.equal((await sql(h, 'select delivery_status from messages where id = ?', [sent.id]))[0].delivery_status, 'read', 'sent before the watermark: read')
  t.equal((await sql(h, 'select delivery_status from messages where id = ?', [later.id]))[0].delivery_status, 'sent', 'sent after it: unchanged')
  t.equal((await post(page([{ sender: { id: 'nobody' }, recipient: { id: fake.pageId }, timestamp: Date.now(), read: { watermark } }]))).status, 200, 'a watermark of an unknown user')
})

t.test('Instagram: object "instagram" goes to the instagram connection; page webhooks posted there go to the page\'s Messenger connection', async (t) => {
  const ig = await connectMeta(h, fake, 'instagram', { verifyToken: 'ig-verify-token' })
  const igPost = (body: Record<string, unknown>) => postWebhook(h, ig.connectionId, fake.appSecret, body)
  const res = await igPost(webhookBody('instagram', fake.pageId, [messageEvent({ pageId: fake.pageId, userId: 'ig-user-1', text: 'from instagram ✨' })]))
  t.equal(res.status, 200)
  const [row] = await sql(h, 'select m.body, m.meta, cc.connector from messages m join conversations c on c.id = m.conversation_id join client_identities ci on ci.id = c.client_identity_id join channel_connections cc on cc.id = ci.connection_id where m.id = ?', [res.body.messages[0].messageId])
  t.match(row, { body: 'from instagram ✨', meta: { object: 'instagram' }, connector: 'instagram' })
  // One app has one callback URL per object: a page event on the Instagram URL is the page's Messenger traffic.
  const page = await igPost(webhookBody('page', fake.pageId, [messageEvent({ pageId: fake.pageId, userId: 'ig-user-1', text: 'not for instagram' })]))
  t.equal(page.status, 200)
  const rows = await sql(h, "select cc.connector from messages m join channel_connections cc on cc.id = m.connection_id where m.body = 'not for instagram'")
  t.same(rows, [{ connector: 'messenger' }], 'stored once, on the Messenger connection of that page')
  // A page this app has no connection for: nothing stored.
  const other = await igPost(webhookBody('page', '999000999', [messageEvent({ pageId: '999000999', userId: 'ig-user-1', text: 'for an unknown page' })]))
  t.equal(other.status, 200)
  t.equal((await sql(h, "select count(*)::int as n from messages where body = 'for an unknown page'"))[0].n, 0)
})

t.test('malformed JSON 400, oversize 413, unknown events 200, unknown connection 404', async (t) => {
  const before = await messagesCount()
  t.equal((await post('{"object":"page","entry":[')).status, 400)
  t.equal((await post('[1,2,3]')).status, 400)
  t.equal((await post(text('huge', 'x'.repeat(1_100_000)))).status, 413)
  t.equal((await post(page([{ sender: { id: 'u' }, recipient: { id: fake.pageId }, timestamp: Date.now(), reaction: { mid: 'm_1', action: 'react', emoji: '❤' } }]))).status, 200)
  t.equal((await post({ object: 'page', entry: [{ id: fake.pageId, time: Date.now(), changes: [{ field: 'feed', value: {} }] }] })).status, 200)
  t.equal((await post({ object: 'user', entry: [] })).status, 200)
  const unknown = await fetch(`${h.url}/plugins/${pluginName}/webhook/999999`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(fake.appSecret, '{}') }, body: '{}' })
  t.equal(unknown.status, 404)
  t.equal(await messagesCount(), before)
})

t.test('disconnect leaves the page subscribed for its other connections, and unsubscribes the app with the last one', async (t) => {
  const extra = await connectMeta(h, fake, 'messenger', { verifyToken: 'another-verify' })
  const admin = await h.login(h.admin.email, h.admin.password)
  const disconnect = (id: string) => admin.query<any>('mutation($id: ID!) { disconnectChannel(id: $id) { status } }', { id })
  const ig = await connectMeta(h, fake, 'instagram', { verifyToken: 'ig-verify-token' })
  const res = await disconnect(extra.connectionId)
  t.equal(res.errors, undefined, JSON.stringify(res.errors))
  t.same(fake.subscriptions().at(-1), { method: 'POST', pageId: fake.pageId, fields: 'messages,messaging_postbacks,message_deliveries,message_reads' }, 'Instagram on the same page still needs the messaging fields')
  t.equal((await disconnect(ig.connectionId)).errors, undefined)
  t.same(fake.subscriptions().at(-1), { method: 'DELETE', pageId: fake.pageId, fields: null })
  const late = await postWebhook(h, extra.connectionId, fake.appSecret, text('late', 'after disconnect'))
  t.ok(late.status < 500)
  t.equal((await sql(h, "select count(*)::int as n from messages where body = 'after disconnect'"))[0].n, 0)
})
