// The visitor API end to end: visits, messages both ways, pushes, edits and deletes, buttons, and
// everything a visitor must not reach (other visitors, internal notes, foreign sites).
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { definePlugin, type MessageButton, type PluginContext } from '@openline/sdk'
import { until, type AgentClient, type TestApp } from '@openline/testing'
import {
  EVENTS, HISTORY, SEND, START, codeOf, conversationOf, createWidget, say, shopOrigin, startApp, startVisitor, visitorClient, type Widget
} from './helpers.ts'

// Sends a message with buttons, as ratings (#6) and consent (automation) do: through ctx.sendMessage with meta.buttons.
let buttonContext: PluginContext | null = null
const buttonsFixture = definePlugin({
  name: 'buttons-fixture',
  version: '0.1.0',
  core: '>=0.1.0',
  setup: (ctx) => { buttonContext = ctx }
})
async function sendButtons (conversationId: string, body: string, buttons: MessageButton[]): Promise<void> {
  await buttonContext!.sendMessage({ conversationId, body, authorKind: 'system', meta: { buttons } })
}

let h: TestApp
let admin: AgentClient
let widget: Widget

t.before(async () => {
  ({ h, admin } = await startApp({ plugins: [buttonsFixture], webchat: { startVisitLimit: { max: 3, windowSec: 600 } } }))
  widget = await createWidget(admin, 'Web shop')
})
t.teardown(async () => { await h?.close() })

const REPLY = 'mutation($id: ID!, $body: String!, $internal: Boolean) { sendMessage(conversationId: $id, body: $body, internal: $internal) { id } }'

async function historyOf (visitor: { query: (q: string, v?: Record<string, unknown>) => Promise<any> }): Promise<any[]> {
  const res = await visitor.query(HISTORY, { last: 100 })
  if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
  return res.data.visitorMessages.nodes
}

t.test('the connection gets a random public key; the widget describes itself', async (t) => {
  t.match(widget.key, /^[A-Za-z0-9_-]{32}$/, '24 random bytes, base64url')
  const other = await createWidget(admin, 'Other shop', { allowedOrigins: [], title: 'Help', color: '#112233', position: 'left' })
  t.not(other.key, widget.key)
  const anonymous = visitorClient(h.url)
  const info = await anonymous.query('query($k: String!) { widget(key: $k) { key title language color position show consent { text } } }', { k: widget.key })
  t.same(info.data.widget, { key: widget.key, title: 'Web shop', language: 'en', color: null, position: 'right', show: true, consent: null }, 'title: the open channel name')
  const custom = await anonymous.query('query($k: String!) { widget(key: $k) { title color position } }', { k: other.key })
  t.same(custom.data.widget, { title: 'Help', color: '#112233', position: 'left' })
  const unknown = await anonymous.query('query($k: String!) { widget(key: $k) { key } }', { k: 'no-such-widget-key-000' })
  t.equal(unknown.data.widget, null)
  const bad = await admin.query('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }',
    { i: { openChannelId: other.openChannelId, connector: 'webchat', settings: { allowedOrigins: ['https://shop.example/path'], color: 'red' } } })
  t.equal(codeOf(bad), 'OL_VALIDATION')
  t.same(bad.errors![0].extensions!.fields!.map(f => f.path).sort(), ['/settings/allowedOrigins/0', '/settings/color'])
})

t.test('starting a visit: Origin checked, details validated, rate-limited per address', async (t) => {
  const foreign = visitorClient(h.url, { origin: 'https://evil.example' })
  t.equal(codeOf(await foreign.query(START, { key: widget.key })), 'OL_FORBIDDEN', 'a site not in allowedOrigins')
  t.equal(codeOf(await foreign.query('query($k: String!) { widget(key: $k) { key } }', { k: widget.key })), 'OL_FORBIDDEN')
  t.equal(codeOf(await visitorClient(h.url, { origin: 'null' }).query(START, { key: widget.key })), 'OL_FORBIDDEN', 'an opaque origin')
  // The server's own pages (the demo) may always embed it.
  const own = await visitorClient(h.url, { origin: h.url }).query(START, { key: widget.key })
  t.notOk(own.errors)

  const invalid = await visitorClient(h.url).query(START, { key: widget.key, email: 'not-an-email', name: 'x'.repeat(101) })
  t.equal(codeOf(invalid), 'OL_VALIDATION')
  t.same(invalid.errors![0].extensions!.fields!.map(f => f.path), ['/name', '/email'])
  t.equal(codeOf(await visitorClient(h.url).query(START, { key: 'no-such-widget-key-000' })), 'OL_NOT_FOUND')

  const ip = '203.0.113.77'
  const sameAddress = visitorClient(h.url, { ip })
  const tokens = new Set<string>()
  for (let i = 0; i < 3; i++) {
    const res = await sameAddress.query(START, { key: widget.key, name: 'Ana', email: 'ana@example.com' })
    t.notOk(res.errors, `visit ${i + 1} of 3`)
    t.same(res.data.startVisit.visitor.name, 'Ana')
    t.match(res.data.startVisit.token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes')
    tokens.add(res.data.startVisit.token)
  }
  t.equal(tokens.size, 3)
  const refused = await sameAddress.query(START, { key: widget.key })
  t.equal(codeOf(refused), 'OL_RATE_LIMITED', 'the 4th visit from one address in the window')
  t.match(refused.errors![0].message, /try again in \d+ s/)
  t.notOk((await visitorClient(h.url, { ip: '203.0.113.78' }).query(START, { key: widget.key })).errors, 'another address is not limited')
  // Only hashes are stored.
  const stored = await (h.core.orm.em.fork() as any).execute("select encode(token_hash, 'hex') as hash from channel_webchat_visitors") as { hash: string }[]
  for (const token of tokens) t.notOk(stored.some(r => r.hash.includes(Buffer.from(token).toString('hex'))), 'token not stored as is')
})

t.test('messages both ways: ingest, idempotent retries, agent replies pushed and kept in the transcript', async (t) => {
  const visitor = await startVisitor(h.url, widget, { name: 'Bea' })
  t.teardown(() => visitor.close())
  const events = await visitor.subscribe(EVENTS)
  const id = randomUUID()
  const first = await say(visitor, 'Where is my order?', id)
  t.match(first, { fromVisitor: true, clientMessageId: id, text: 'Where is my order?', deleted: false })
  const again = await say(visitor, 'Where is my order?', id)
  t.equal(again.id, first.id, 'the same clientMessageId is the same message')
  const [conversationId] = await conversationOf(admin, widget)
  const agentView = await admin.query('query($id: ID!) { messages(conversationId: $id) { nodes { body authorKind } } conversation(id: $id) { client { name } } }', { id: conversationId })
  t.same(agentView.data.messages.nodes, [{ body: 'Where is my order?', authorKind: 'client' }], 'stored once for the agents')
  t.equal(agentView.data.conversation.client.name, 'Bea')
  t.equal((await events.next()).data.visitorEvents.message.id, first.id, 'the visitor\'s own message is pushed (other tabs)')

  const typing = await admin.subscribe('subscription { clientTyping { conversationId preview } }')
  t.equal((await visitor.query('mutation { visitorTyping(preview: "It was") }')).data.visitorTyping, true)
  t.same((await typing.next()).data.clientTyping, { conversationId, preview: 'It was' }, 'agents see the visitor typing')
  t.equal((await visitor.query('mutation { visitorTyping(preview: "It was ord") }')).data.visitorTyping, false, 'throttled')
  typing.close()

  t.equal((await admin.query('mutation($id: ID!) { sendTyping(conversationId: $id) }', { id: conversationId })).data.sendTyping, true)
  t.equal((await events.next()).data.visitorEvents.kind, 'agentTyping', 'the visitor sees the agent typing')

  const reply = await admin.query(REPLY, { id: conversationId, body: 'It ships today <b>really</b>' })
  t.notOk(reply.errors)
  const pushed = (await events.next()).data.visitorEvents
  t.match(pushed, { kind: 'messageAdded', message: { fromVisitor: false, text: 'It ships today <b>really</b>', senderName: 'Test Admin', deleted: false } })
  const history = await historyOf(visitor)
  t.same(history.map(m => [m.fromVisitor, m.text]), [[true, 'Where is my order?'], [false, 'It ships today <b>really</b>']], 'transcript, oldest first')
  await until('delivery marked sent', async () => (await admin.query('query($id: ID!) { messages(conversationId: $id) { nodes { deliveryStatus } } }', { id: conversationId })).data.messages.nodes[1].deliveryStatus, s => s === 'sent')

  // Keyset pages.
  for (let i = 0; i < 3; i++) await say(visitor, `more ${i}`)
  const page = await visitor.query(HISTORY, { last: 2 })
  t.same(page.data.visitorMessages.nodes.map((m: any) => m.text), ['more 1', 'more 2'])
  const older = await visitor.query(HISTORY, { last: 10, before: page.data.visitorMessages.previousCursor })
  t.same(older.data.visitorMessages.nodes.map((m: any) => m.text), ['Where is my order?', 'It ships today <b>really</b>', 'more 0'])
  t.equal(older.data.visitorMessages.previousCursor, null)
  t.equal(codeOf(await visitor.query(HISTORY, { last: 101 })), 'OL_VALIDATION')

  const invalid = await visitor.query(SEND, { text: '   ', id: 'not-a-uuid' })
  t.same(invalid.errors![0].extensions!.fields!.map((f: any) => f.path), ['/clientMessageId', '/text'])
})

t.test('internal notes never reach the visitor: not pushed, not in the transcript, nowhere in the visitor API', async (t) => {
  const visitor = await startVisitor(h.url, widget)
  t.teardown(() => visitor.close())
  await say(visitor, 'Hello')
  const conversationId = (await conversationOf(admin, widget))[0]
  const events = await visitor.subscribe(EVENTS)
  const secret = `internal-note-${randomUUID()}`
  t.notOk((await admin.query(REPLY, { id: conversationId, body: secret, internal: true })).errors)
  // A public reply written after the note: once it arrived, the note would have arrived before it.
  t.notOk((await admin.query(REPLY, { id: conversationId, body: 'public after the note' })).errors)
  const pushed = [(await events.next()).data]
  pushed.push(...events.buffered().map(r => r.data))
  t.same(pushed.map(p => p.visitorEvents.message.text), ['public after the note'])
  const everything = JSON.stringify([
    pushed,
    await historyOf(visitor),
    (await visitor.query('{ me { id name email } }')).data,
    (await visitor.query('query($k: String!) { widget(key: $k) { key title consent { text } } }', { k: widget.key })).data
  ])
  t.notOk(everything.includes(secret), 'the note text appears in no visitor path')
  const rows = await (h.core.orm.em.fork() as any).execute('select body from channel_webchat_messages') as { body: string }[]
  t.notOk(rows.some(r => r.body === secret), 'not in the transcript table either')
})

t.test('edits and deletes by the agent reach the visitor', async (t) => {
  const visitor = await startVisitor(h.url, widget)
  t.teardown(() => visitor.close())
  await say(visitor, 'Hi')
  const conversationId = (await conversationOf(admin, widget))[0]
  const events = await visitor.subscribe(EVENTS)
  const sent = await admin.query(REPLY, { id: conversationId, body: 'Your code is 1234' })
  const messageId = sent.data.sendMessage.id
  const added = (await events.next()).data.visitorEvents.message
  await until('delivered', async () => (await admin.query('query($id: ID!) { messages(conversationId: $id) { nodes { id deliveryStatus } } }', { id: conversationId })).data.messages.nodes.find((m: any) => m.id === messageId)?.deliveryStatus, s => s === 'sent')

  const edited = await admin.query('mutation($id: ID!, $b: String!) { editMessage(id: $id, body: $b) { id } }', { id: messageId, b: 'Your code is 5678' })
  t.notOk(edited.errors, 'edited')
  const change = (await events.next()).data.visitorEvents
  t.match(change, { kind: 'messageChanged', message: { id: added.id, text: 'Your code is 5678', deleted: false } })
  t.ok(change.message.editedAt)

  t.notOk((await admin.query('mutation($id: ID!) { deleteMessage(id: $id) { id } }', { id: messageId })).errors, 'deleted')
  const removed = (await events.next()).data.visitorEvents
  t.match(removed, { kind: 'messageChanged', message: { id: added.id, text: '', deleted: true } })
  const kept = (await historyOf(visitor)).find(m => m.id === added.id)
  t.match(kept, { text: '', deleted: true, attachments: [], buttons: [] }, 'the transcript no longer holds the text')
})

t.test('buttons: a press is a client message with meta.callbackData, only for buttons the visitor was sent', async (t) => {
  const visitor = await startVisitor(h.url, widget)
  const stranger = await startVisitor(h.url, widget)
  t.teardown(async () => { await visitor.close(); await stranger.close() })
  await say(visitor, 'Rate me')
  const conversationId = (await conversationOf(admin, widget))[0]
  const events = await visitor.subscribe(EVENTS)
  await sendButtons(conversationId, 'How did we do?', [{ text: '👍', data: 'rate:like' }, { text: '👎', data: 'rate:dislike' }, { text: 'Docs', url: 'https://docs.example/help' }, { text: 'bad', url: 'javascript:alert(1)' }])
  const message = (await events.next()).data.visitorEvents.message
  t.same(message.buttons, [{ text: '👍', data: 'rate:like', url: null }, { text: '👎', data: 'rate:dislike', url: null }, { text: 'Docs', data: null, url: 'https://docs.example/help' }], 'a javascript: link is dropped')

  const PRESS = 'mutation($id: ID!, $d: String!) { pressButton(messageId: $id, data: $d) { id fromVisitor text } }'
  t.equal(codeOf(await visitor.query(PRESS, { id: message.id, d: 'rate:love' })), 'OL_VALIDATION', 'not a button of that message')
  t.equal(codeOf(await stranger.query(PRESS, { id: message.id, d: 'rate:like' })), 'OL_NOT_FOUND', 'another visitor\'s message')
  t.equal(codeOf(await visitor.query(PRESS, { id: '99999999', d: 'rate:like' })), 'OL_NOT_FOUND')
  const pressed = await visitor.query(PRESS, { id: message.id, d: 'rate:like' })
  t.match(pressed.data.pressButton, { fromVisitor: true, text: '👍' })
  const again = await visitor.query(PRESS, { id: message.id, d: 'rate:like' })
  t.equal(again.data.pressButton.id, pressed.data.pressButton.id, 'pressing again is the same message')
  const stored = await (h.core.orm.em.fork() as any).execute("select meta->>'callbackData' as data, body from messages where conversation_id = ? and author_kind = 'client' and meta->>'callbackData' is not null", [conversationId]) as { data: string, body: string }[]
  t.same(stored, [{ data: 'rate:like', body: '👍' }], 'one client message carrying the data')
})

t.test('one visitor cannot reach another: token, transcript, subscription, messages', async (t) => {
  const ana = await startVisitor(h.url, widget)
  const bob = await startVisitor(h.url, widget)
  t.teardown(async () => { await ana.close(); await bob.close() })
  const anaMessage = await say(ana, 'Ana private text')
  await say(bob, 'Bob here')
  t.notOk(JSON.stringify(await historyOf(bob)).includes('Ana private text'))
  t.equal(codeOf(await visitorClient(h.url, { token: 'A'.repeat(43) }).query(HISTORY, { last: 5 })), 'OL_UNAUTHENTICATED', 'a made-up token')
  t.equal(codeOf(await visitorClient(h.url).query(HISTORY, { last: 5 })), 'OL_UNAUTHENTICATED', 'no token')
  t.equal(codeOf(await visitorClient(h.url).query(SEND, { text: 'x', id: randomUUID() })), 'OL_UNAUTHENTICATED')
  // Ana's clientMessageId from Bob: his own new message, never Ana's.
  const reuse = await say(bob, 'Bob reuses an id', anaMessage.clientMessageId)
  t.not(reuse.id, anaMessage.id)
  t.equal(reuse.text, 'Bob reuses an id')
  // Bob's subscription gets nothing of Ana's, even while Ana's pushes flow.
  const bobEvents = await bob.subscribe(EVENTS)
  const anaEvents = await ana.subscribe(EVENTS)
  await say(ana, 'Ana again')
  t.equal((await anaEvents.next()).data.visitorEvents.message.text, 'Ana again')
  await say(bob, 'Bob again')
  t.same((await bobEvents.next()).data.visitorEvents.message.text, 'Bob again', 'Bob\'s first push is his own message')
  t.same(bobEvents.buffered(), [])
  // A subscription needs a token, and a site the widget allows.
  const anonymous = await visitorClient(h.url).subscribe(EVENTS)
  t.equal(codeOf(await anonymous.next()), 'OL_UNAUTHENTICATED')
  const foreign = await visitorClient(h.url, { token: ana.token, origin: 'https://evil.example' }).subscribe(EVENTS)
  t.equal(codeOf(await foreign.next()), 'OL_FORBIDDEN', 'Origin of the websocket checked')
  t.equal(codeOf(await visitorClient(h.url, { token: ana.token, origin: 'https://evil.example' }).query(HISTORY, { last: 5 })), 'OL_FORBIDDEN', 'and of HTTP requests')
})

t.test('the visitor API schema holds no staff types', async (t) => {
  const anonymous = visitorClient(h.url, { origin: shopOrigin })
  for (const name of ['Message', 'Conversation', 'User', 'OpenChannel', 'Visibility']) {
    t.equal((await anonymous.query(`{ __type(name: "${name}") { name } }`)).data.__type, null, `${name} is absent`)
  }
  const fields = await anonymous.query('{ __type(name: "VisitorMessage") { fields { name } } }')
  t.notOk(fields.data.__type.fields.some((f: { name: string }) => /visib|internal|author|conversation/i.test(f.name)), 'no visibility, author or conversation field')
})
