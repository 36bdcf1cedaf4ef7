import t from 'tap'
import { buildTestApp, testConnectorPlugin, startFakeProvider, sign, type TestApp, type FakeProvider } from '@openline/testing'

let h: TestApp
let provider: FakeProvider
let connectionId: string
let openChannelId: string
const secret = 'test-secret-123'

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({ plugins: [testConnectorPlugin] })
  const admin = await h.login(h.admin.email, h.admin.password)
  const oc = await admin.query('mutation { createOpenChannel(input: { name: "Support" }) { id } }')
  openChannelId = oc.data.createOpenChannel.id
  const conn = await admin.query('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id externalAccountId } }', {
    i: { openChannelId, connector: 'test', externalAccountId: 'bot-1', settings: { secret, apiBaseUrl: provider.url } }
  })
  t.equal(conn.errors, undefined, JSON.stringify(conn.errors))
  connectionId = conn.data.connectChannel.id
})
t.teardown(async () => {
  await h?.close()
  await provider?.close()
})

async function webhook (body: unknown, options: { signature?: string, raw?: string } = {}): Promise<Response> {
  const raw = options.raw ?? JSON.stringify(body)
  return fetch(`${h.url}/plugins/test-connector/webhook/${connectionId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-test-signature': options.signature ?? sign(secret, raw) },
    body: raw
  })
}

t.test('an inbound message is committed before the webhook answers, once', async (t) => {
  const res = await webhook({ userId: 'u1', messageId: 'm1', text: 'Olá, ação ✓', name: 'Ana' })
  t.equal(res.status, 200)
  const body = await res.json() as any
  t.equal(body.duplicate, false)
  t.equal(body.conversationOpened, true)
  const rows = await (h.core.orm.em.fork() as any).execute('select body, author_kind from messages where id = ?', [body.messageId])
  t.same(rows, [{ body: 'Olá, ação ✓', author_kind: 'client' }])
  for (let i = 0; i < 4; i++) {
    const again = await (await webhook({ userId: 'u1', messageId: 'm1', text: 'Olá, ação ✓' })).json() as any
    t.equal(again.duplicate, true)
    t.equal(again.messageId, body.messageId)
  }
  const count = await (h.core.orm.em.fork() as any).execute("select count(*)::int as n from messages where external_id = 'm1'")
  t.equal(count[0].n, 1)
})

t.test('concurrent first messages of a new client open one conversation', async (t) => {
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => webhook({ userId: 'u-race', messageId: `race-${i}`, text: `hi ${i}` }).then(r => r.json() as any)))
  t.equal(new Set(results.map(r => r.conversationId)).size, 1)
  t.equal(results.filter(r => r.conversationOpened).length, 1)
  const clients = await (h.core.orm.em.fork() as any).execute("select count(*)::int as n from client_identities where external_user_id = 'u-race'")
  t.equal(clients[0].n, 1)
  const orphanClients = await (h.core.orm.em.fork() as any).execute('select count(*)::int as n from clients c where not exists (select 1 from client_identities i where i.client_id = c.id)')
  t.equal(orphanClients[0].n, 0)
})

t.test('the same message delivered concurrently is stored once', async (t) => {
  const results = await Promise.all(Array.from({ length: 10 }, () => webhook({ userId: 'u-dup', messageId: 'dup-1', text: 'same' }).then(r => r.json() as any)))
  t.equal(new Set(results.map(r => r.messageId)).size, 1)
  t.equal(results.filter(r => !r.duplicate).length, 1)
})

t.test('bad signatures and malformed bodies are refused and store nothing', async (t) => {
  const before = await (h.core.orm.em.fork() as any).execute('select count(*)::int as n from messages')
  t.equal((await webhook({ userId: 'x', messageId: 'bad-sig', text: 'x' }, { signature: 'deadbeef' })).status, 401)
  t.equal((await webhook(null, { raw: '{"userId": "x", ' })).status, 400)
  t.equal((await webhook({ userId: 'x' })).status, 400)
  t.equal((await webhook({ userId: 'x', messageId: 'empty', text: '' })).status, 400)
  const after = await (h.core.orm.em.fork() as any).execute('select count(*)::int as n from messages')
  t.equal(after[0].n, before[0].n)
  t.equal((await fetch(`${h.url}/health/live`)).status, 200)
})

t.test('an agent reply is delivered through the outbox and its status recorded', async (t) => {
  const admin = await h.login(h.admin.email, h.admin.password)
  const inbound = await (await webhook({ userId: 'u-reply', messageId: 'r1', text: 'need help' })).json() as any
  const sent = await admin.query('mutation($c: ID!) { sendMessage(conversationId: $c, body: "Hello from support") { id deliveryStatus } }', { c: inbound.conversationId })
  t.equal(sent.errors, undefined, JSON.stringify(sent.errors))
  t.equal(sent.data.sendMessage.deliveryStatus, 'pending')
  const id = sent.data.sendMessage.id
  for (let i = 0; i < 100; i++) {
    const [row] = await (h.core.orm.em.fork() as any).execute('select delivery_status from messages where id = ?', [id])
    if (row.delivery_status === 'sent') break
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  const [row] = await (h.core.orm.em.fork() as any).execute('select delivery_status, external_id from messages where id = ?', [id])
  t.equal(row.delivery_status, 'sent')
  t.match(provider.sent().find(s => s.text === 'Hello from support'), { to: 'u-reply' })
})

t.test('hidden notes are never delivered', async (t) => {
  const admin = await h.login(h.admin.email, h.admin.password)
  const inbound = await (await webhook({ userId: 'u-note', messageId: 'n1', text: 'hello' })).json() as any
  const note = await admin.query('mutation($c: ID!) { sendMessage(conversationId: $c, body: "internal remark", internal: true) { id visibility deliveryStatus } }', { c: inbound.conversationId })
  t.same(note.data.sendMessage.visibility, 'internal')
  t.same(note.data.sendMessage.deliveryStatus, 'none')
  const outbox = await (h.core.orm.em.fork() as any).execute('select count(*)::int as n from outbox where message_id = ?', [note.data.sendMessage.id])
  t.equal(outbox[0].n, 0)
  await new Promise(resolve => setTimeout(resolve, 300))
  t.notOk(provider.sent().some(s => s.text === 'internal remark'))
})

t.test('agents get new messages pushed over the websocket', async (t) => {
  const admin = await h.login(h.admin.email, h.admin.password)
  const sub = await admin.subscribe('subscription { messageAdded { id body authorKind conversationId } }')
  await webhook({ userId: 'u-push', messageId: 'p1', text: 'pushed?' })
  const pushed = await sub.next()
  t.equal(pushed.data?.messageAdded.body, 'pushed?')
  sub.close()
})
