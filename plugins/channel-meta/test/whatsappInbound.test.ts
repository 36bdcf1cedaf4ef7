// WhatsApp Cloud API webhooks: connect (phone number check, business account subscription),
// X-Hub-Signature-256 on the same route, messages of every mapped type (text, media through the
// media lookup with the bearer token, location, contacts, button and list replies), the sender's
// profile name and number, de-duplication by wamid, ordering by WhatsApp's timestamp, statuses, and
// the refusals (401/400/413, unknown changes 200).
import t from 'tap'
import type { TestApp } from '@openline/testing'
import { startFakeMeta, whatsappBody, whatsappMessage, whatsappStatus, nextWamid, sign, pngBytes, type FakeMeta } from './fakeApi.ts'
import { buildTestApp, plugins, connectWhatsApp, postWebhook, postRepeatedly, sql, pluginName, waitFor } from './helpers.ts'

let h: TestApp
let fake: FakeMeta
let connectionId: string
let externalAccountId: string

t.before(async () => {
  fake = await startFakeMeta()
  h = await buildTestApp({ plugins })
  ;({ connectionId, externalAccountId } = await connectWhatsApp(h, fake, { verifyToken: 'wa-verify-token', mediaHosts: ['fbsbx.com', 'localhost'] }))
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

const post = (body: Record<string, unknown> | string, options: { signature?: string | null } = {}) => postWebhook(h, connectionId, fake.appSecret, body, options)
const wa = (value: Parameters<typeof whatsappBody>[1]) => whatsappBody(fake, value)
const text = (from: string, body: string, extra: { id?: string, timestamp?: number, name?: string } = {}) => wa(whatsappMessage({ from, text: body, ...extra }))
const messagesCount = async (): Promise<number> => (await sql<{ n: number }>(h, 'select count(*)::int as n from messages'))[0].n
const messageRow = async (id: string) => (await sql(h, 'select body, attachments, meta, external_id, quote_message_id::text from messages where id = ?', [id]))[0]

t.test('connect: the phone number is checked, the app subscribed to the business account; secrets sealed', async (t) => {
  t.equal(externalAccountId, fake.phoneNumberId)
  t.same(fake.subscriptions(), [{ method: 'POST', pageId: fake.wabaId, fields: null }])
  const [row] = await sql(h, 'select settings, secrets is not null as sealed from channel_connections where id = ?', [connectionId])
  t.equal(row.settings.accessToken, undefined)
  t.equal(row.settings.appSecret, undefined)
  t.equal(row.settings.verifyToken, undefined)
  t.equal(row.settings.phoneNumberId, fake.phoneNumberId)
  t.equal(row.settings.displayPhoneNumber, fake.displayPhoneNumber)
  t.same(row.settings.mediaHosts, ['fbsbx.com', 'localhost'])
  t.equal(row.sealed, true)
})

t.test('connect validates the settings and the phone number id', async (t) => {
  const admin = await h.login(h.admin.email, h.admin.password)
  const oc = await admin.query<any>('mutation { createOpenChannel(input: { name: "WA bad" }) { id } }')
  const connect = (settings: Record<string, unknown>) => admin.query<any>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }', {
    i: { openChannelId: oc.data.createOpenChannel.id, connector: 'whatsapp', settings: { accessToken: fake.token, appSecret: fake.appSecret, phoneNumberId: fake.phoneNumberId, businessAccountId: fake.wabaId, apiBaseUrl: fake.apiBaseUrl, ...settings } }
  })
  const before = (await sql(h, 'select count(*)::int as n from channel_connections'))[0].n
  const invalid = await connect({ phoneNumberId: 'abc', template: { name: 'Bad Name!', language: 'english', bodyParameters: ['nonsense'] } })
  t.equal(invalid.errors?.[0].extensions?.code, 'OL_VALIDATION')
  const paths = (invalid.errors?.[0].extensions?.fields ?? []).map((f: any) => f.path)
  t.ok(paths.includes('/settings/phoneNumberId'), JSON.stringify(paths))
  t.ok(paths.some((p: string) => p.startsWith('/settings/template')), JSON.stringify(paths))
  const unknown = await connect({ phoneNumberId: '123456789' })
  t.equal(unknown.errors?.[0].extensions?.code, 'OL_CONNECT_FAILED')
  t.match(unknown.errors?.[0].message, /100/)
  t.equal((await sql(h, 'select count(*)::int as n from channel_connections'))[0].n, before, 'nothing stored')
})

t.test('verification handshake on the same route', async (t) => {
  const url = (q: string) => `${h.url}/plugins/${pluginName}/webhook/${connectionId}?${q}`
  const ok = await fetch(url('hub.mode=subscribe&hub.verify_token=wa-verify-token&hub.challenge=8842'))
  t.equal(await ok.text(), '8842')
  t.equal((await fetch(url('hub.mode=subscribe&hub.verify_token=nope-nope&hub.challenge=1'))).status, 403)
})

t.test('signatures: good stored once with non-ASCII text; bad, missing or over re-serialised JSON refused (401), nothing stored', async (t) => {
  const id = nextWamid()
  const raw = JSON.stringify(text('5511999990001', 'x', { id })).replace('"body":"x"', '"body":"Ol\\u00e1, a\\u00e7\\u00e3o \\u2713 \\ud83d\\ude00 привет"')
  const before = await messagesCount()
  t.equal((await post(raw, { signature: null })).status, 401, 'missing')
  t.equal((await post(raw, { signature: sign('another-secret', raw) })).status, 401, 'another secret')
  t.equal((await post(raw, { signature: sign(fake.appSecret, JSON.stringify(JSON.parse(raw))) })).status, 401, 're-serialised')
  t.equal((await post(raw, { signature: 'sha256=abc' })).status, 401, 'garbage')
  t.equal(await messagesCount(), before)
  const ok = await post(raw)
  t.equal(ok.status, 200)
  const row = await messageRow(ok.body.messages[0].messageId)
  t.equal(row.body, 'Olá, ação ✓ 😀 привет')
  t.equal(row.external_id, id)
  t.match(row.meta, { object: 'whatsapp_business_account', type: 'text' })
})

t.test('the sender: profile name → client name, wa_id → phone, one identity per number', async (t) => {
  const res = await post(text('5511988887777', 'who am I', { name: 'Maria Silva' }))
  const [client] = await sql(h, 'select cl.name, cl.phone, ci.external_user_id from conversations c join clients cl on cl.id = c.client_id join client_identities ci on ci.id = c.client_identity_id where c.id = ?', [res.body.messages[0].conversationId])
  t.same(client, { name: 'Maria Silva', phone: '+5511988887777', external_user_id: '5511988887777' })
  const again = await post(text('5511988887777', 'me again', { name: 'Maria Silva' }))
  t.equal(again.body.messages[0].conversationId, res.body.messages[0].conversationId)
})

t.test('the same wamid 5 times, and concurrently: one message', async (t) => {
  await postRepeatedly(t, post, text('5511900000005', 'once'), text('5511900000005', 'concurrent'))
  t.equal((await sql(h, "select count(*)::int as n from messages where body in ('once', 'concurrent')"))[0].n, 2)
})

t.test('out-of-order webhooks are ordered by WhatsApp\'s timestamp (seconds)', async (t) => {
  const base = Date.now() - 120_000
  const later = await post(text('5511900000006', 'second', { timestamp: base + 60_000 }))
  await post(text('5511900000006', 'first', { timestamp: base }))
  const rows = await sql(h, 'select body, sent_at from messages where conversation_id = ? order by sent_at, id', [later.body.messages[0].conversationId])
  t.same(rows.map((r: any) => r.body), ['first', 'second'])
  t.equal(new Date(rows[0].sent_at).getTime(), Math.floor(base / 1000) * 1000)
})

t.test('media: looked up by id, downloaded with the bearer token, stored; the caption is the text', async (t) => {
  const imageId = fake.addMedia({ bytes: pngBytes, mimeType: 'image/png' })
  const res = await post(wa(whatsappMessage({ from: '5511900000007', type: 'image', content: { id: imageId, mime_type: 'image/png', sha256: 'abc', caption: 'my receipt' } })))
  t.equal(res.status, 200)
  const row = await messageRow(res.body.messages[0].messageId)
  t.equal(row.body, 'my receipt')
  t.match(row.attachments, [{ kind: 'image', mimeType: 'image/png', size: pngBytes.length, providerFileId: imageId, storageKey: /^\d{4}\// }])
  t.same(fake.downloads().filter(d => d.id === imageId), [{ id: imageId, authorized: true }])
  const bytes = await h.core.files.storage.get(row.attachments[0].storageKey)
  t.same(bytes, pngBytes, 'the very bytes')

  const docId = fake.addMedia({ bytes: Buffer.from('%PDF-1.4 invoice'), mimeType: 'application/pdf' })
  const doc = await post(wa(whatsappMessage({ from: '5511900000007', type: 'document', content: { id: docId, mime_type: 'application/pdf', filename: 'invoice.pdf' } })))
  t.match((await messageRow(doc.body.messages[0].messageId)).attachments, [{ kind: 'file', name: 'invoice.pdf', mimeType: 'application/pdf', storageKey: /./ }])

  const voiceId = fake.addMedia({ bytes: Buffer.from('OggS'), mimeType: 'audio/ogg' })
  const voice = await post(wa(whatsappMessage({ from: '5511900000007', type: 'audio', content: { id: voiceId, mime_type: 'audio/ogg; codecs=opus', voice: true } })))
  const voiceRow = await messageRow(voice.body.messages[0].messageId)
  t.match(voiceRow.attachments, [{ kind: 'audio', mimeType: 'audio/ogg', storageKey: /./ }])
  t.equal(voiceRow.meta.voice, true)

  const stickerId = fake.addMedia({ bytes: Buffer.from('RIFFWEBP'), mimeType: 'image/webp' })
  const sticker = await post(wa(whatsappMessage({ from: '5511900000007', type: 'sticker', content: { id: stickerId, mime_type: 'image/webp', animated: false } })))
  t.match((await messageRow(sticker.body.messages[0].messageId)).attachments, [{ kind: 'sticker', storageKey: /./ }])

  const downloadsBefore = fake.downloads().length
  t.equal((await post(wa(whatsappMessage({ from: '5511900000007', type: 'sticker', id: (await messageRow(sticker.body.messages[0].messageId)).external_id, content: { id: stickerId } })))).body.messages[0].duplicate, true)
  t.equal(fake.downloads().length, downloadsBefore, 'a redelivery does not download again')
})

t.test('media on another host, or on an address the SSRF guard refuses: not fetched (no token sent), the message kept', async (t) => {
  const elsewhere = fake.addMedia({ bytes: pngBytes, mimeType: 'image/png', url: 'https://evil.example.com/steal' })
  const metadata = fake.addMedia({ bytes: pngBytes, mimeType: 'image/png', url: 'https://169.254.169.254/latest/meta-data/' })
  // `localhost` is one of this connection's media hosts, but a loopback address: the SSRF guard refuses it.
  const loopbackHost = fake.addMedia({ bytes: pngBytes, mimeType: 'image/png', url: `https://localhost:${new URL(fake.origin).port}/wa-media/x` })
  const plainHttp = fake.addMedia({ bytes: pngBytes, mimeType: 'image/png', url: 'http://lookaside.fbsbx.com/x' })
  const results = []
  for (const [i, mediaId] of [elsewhere, metadata, loopbackHost, plainHttp, '999999999'].entries()) {
    results.push(await post(wa(whatsappMessage({ from: '5511900000008', type: 'image', content: { id: mediaId, mime_type: 'image/png', caption: `refused ${i}` } }))))
  }
  const downloads = fake.downloads().length
  for (const res of results) {
    t.equal(res.status, 200)
    const row = await messageRow(res.body.messages[0].messageId)
    t.match(row.body, /^refused \d$/)
    t.equal(row.attachments.length, 1)
    t.equal(row.attachments[0].storageKey, undefined, `${row.body}: no bytes`)
  }
  t.equal(fake.downloads().length, downloads, 'no download reached the fake')
})

t.test('location, shared contacts, button and list replies, template quick replies; replies quote', async (t) => {
  const from = '5511900000009'
  const first = await post(text(from, 'start'))
  const [{ external_id: quotedId }] = await sql(h, 'select external_id from messages where id = ?', [first.body.messages[0].messageId])
  const location = await post(wa(whatsappMessage({ from, type: 'location', content: { latitude: -23.55, longitude: -46.63, name: 'Office', address: 'Av. Paulista' } })))
  t.match(await messageRow(location.body.messages[0].messageId), { body: '📍 -23.55, -46.63 (Office, Av. Paulista)', meta: { location: { latitude: -23.55, longitude: -46.63 } } })
  const contacts = await post(wa({ ...whatsappMessage({ from, type: 'contacts', content: {} }), messages: [{ from, id: nextWamid(), timestamp: String(Math.floor(Date.now() / 1000)), type: 'contacts', contacts: [{ name: { formatted_name: 'João' }, phones: [{ phone: '+55 11 5555-0000', type: 'CELL' }] }] }] }))
  t.equal((await messageRow(contacts.body.messages[0].messageId)).body, '👤 João +55 11 5555-0000')
  const button = await post(wa(whatsappMessage({ from, type: 'interactive', content: { type: 'button_reply', button_reply: { id: 'rate:5', title: 'Excellent' } }, extra: { context: { from: fake.displayPhoneNumber, id: quotedId } } })))
  const buttonRow = await messageRow(button.body.messages[0].messageId)
  t.match(buttonRow, { body: 'Excellent', meta: { callbackData: 'rate:5', type: 'interactive' }, quote_message_id: first.body.messages[0].messageId })
  const list = await post(wa(whatsappMessage({ from, type: 'interactive', content: { type: 'list_reply', list_reply: { id: 'dept:sales', title: 'Sales', description: 'Buy things' } } })))
  t.match(await messageRow(list.body.messages[0].messageId), { body: 'Sales', meta: { callbackData: 'dept:sales' } })
  const quick = await post(wa(whatsappMessage({ from, type: 'button', content: { text: 'Yes, call me', payload: 'CALL_ME' } })))
  t.match(await messageRow(quick.body.messages[0].messageId), { body: 'Yes, call me', meta: { callbackData: 'CALL_ME', type: 'button' } })
})

t.test('statuses: delivered and read move the message forward, failed records the failure', async (t) => {
  const from = '5511900000010'
  const res = await post(text(from, 'hello'))
  const conversationId = res.body.messages[0].conversationId
  const sent = await h.core.sendMessage({ conversationId, body: 'our reply', authorKind: 'agent', authorUserId: h.admin.id })
  const wamid = await waitFor('sent', async () => (await sql(h, 'select external_id from messages where id = ?', [sent.id]))[0].external_id !== null).then(async () => (await sql(h, 'select external_id from messages where id = ?', [sent.id]))[0].external_id)
  const status = async () => (await sql(h, 'select delivery_status from messages where id = ?', [sent.id]))[0].delivery_status
  t.equal(await status(), 'sent')
  t.equal((await post(wa({ statuses: [whatsappStatus({ id: wamid, status: 'sent', recipient: from })] }))).status, 200)
  t.equal(await status(), 'sent')
  await post(wa({ statuses: [whatsappStatus({ id: wamid, status: 'delivered', recipient: from })] }))
  t.equal(await status(), 'delivered')
  await post(wa({ statuses: [whatsappStatus({ id: wamid, status: 'read', recipient: from }), whatsappStatus({ id: 'wamid.unknown', status: 'read', recipient: from })] }))
  t.equal(await status(), 'read')
  await post(wa({ statuses: [whatsappStatus({ id: wamid, status: 'delivered', recipient: from })] }))
  t.equal(await status(), 'read', 'statuses only move forward')

  const second = await h.core.sendMessage({ conversationId, body: 'will fail', authorKind: 'agent', authorUserId: h.admin.id })
  await waitFor('sent', async () => (await sql(h, 'select external_id from messages where id = ?', [second.id]))[0].external_id !== null)
  const [{ external_id: failedId }] = await sql(h, 'select external_id from messages where id = ?', [second.id])
  const failed = await post(wa({ statuses: [whatsappStatus({ id: failedId, status: 'failed', recipient: from, errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', error_data: { details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' } }] })] }))
  t.equal(failed.status, 200)
  t.equal((await sql(h, 'select delivery_status from messages where id = ?', [second.id]))[0].delivery_status, 'failed')
})

t.test('a webhook for another number of the same app goes to that number\'s connection; unknown numbers are ignored', async (t) => {
  // A second number of the same business, connected with the same app (its own fake number id).
  const otherNumber = '123450000000001'
  const admin = await h.login(h.admin.email, h.admin.password)
  const oc = await admin.query<any>('mutation { createOpenChannel(input: { name: "WA second" }) { id } }')
  await sql(h, "insert into channel_connections (open_channel_id, connector, external_account_id, status, settings, secrets) select ?, 'whatsapp', ?, 'connected', jsonb_set(settings, '{phoneNumberId}', to_jsonb(?::text)), secrets from channel_connections where id = ?", [oc.data.createOpenChannel.id, otherNumber, otherNumber, connectionId])
  const body = whatsappBody({ ...fake, phoneNumberId: otherNumber }, whatsappMessage({ from: '5511900000011', text: 'to the second number' }))
  const res = await post(body)
  t.equal(res.status, 200)
  const [row] = await sql(h, "select cc.external_account_id from messages m join channel_connections cc on cc.id = m.connection_id where m.body = 'to the second number'")
  t.equal(row.external_account_id, otherNumber)
  const unknown = await post(whatsappBody({ ...fake, phoneNumberId: '555000555' }, whatsappMessage({ from: '5511900000011', text: 'to nobody' })))
  t.equal(unknown.status, 200)
  t.equal((await sql(h, "select count(*)::int as n from messages where body = 'to nobody'"))[0].n, 0)
})

t.test('malformed JSON 400, oversize 413, unknown changes and message types 200 and ignored', async (t) => {
  const before = await messagesCount()
  t.equal((await post('{"object":"whatsapp_business_account","entry":[')).status, 400)
  t.equal((await post(text('5511900000012', 'y'.repeat(1_100_000)))).status, 413)
  t.equal((await post({ object: 'whatsapp_business_account', entry: [{ id: fake.wabaId, changes: [{ field: 'account_update', value: { phone_number: '1', event: 'VERIFIED_ACCOUNT' } }] }] })).status, 200)
  t.equal((await post({ object: 'whatsapp_business_account', entry: [{ id: fake.wabaId, changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }] }] })).status, 200)
  t.equal((await post(wa(whatsappMessage({ from: '5511900000012', type: 'reaction', content: { message_id: 'wamid.x', emoji: '👍' } })))).status, 200)
  t.equal((await post(wa(whatsappMessage({ from: '5511900000012', type: 'unsupported', content: {} })))).status, 200)
  t.equal((await post(wa({ messages: [{ from: '5511900000012', id: nextWamid(), type: 'text', text: { body: 'no timestamp, and a NUL \u0000 here' } }] }))).status, 200)
  t.equal(await messagesCount(), before + 1, 'only the text without a timestamp was stored')
})

t.test('disconnect unsubscribes the app from the business account only with its last number', async (t) => {
  const admin = await h.login(h.admin.email, h.admin.password)
  const disconnect = (id: string) => admin.query<any>('mutation($id: ID!) { disconnectChannel(id: $id) { status } }', { id })
  const [second] = await sql(h, "select id::text from channel_connections where connector = 'whatsapp' and id <> ? and status = 'connected'", [connectionId])
  const before = fake.subscriptions().length
  t.equal((await disconnect(connectionId)).errors, undefined)
  t.equal(fake.subscriptions().length, before, 'another number of the business is still connected')
  t.equal((await disconnect(second.id)).errors, undefined)
  t.same(fake.subscriptions().at(-1), { method: 'DELETE', pageId: fake.wabaId, fields: null })
  const late = await post(text('5511900000013', 'after disconnect'))
  t.ok(late.status < 500)
  t.equal((await sql(h, "select count(*)::int as n from messages where body = 'after disconnect'"))[0].n, 0)
})
