// Deliveries end to end: real core events (client messages through the test connector, agent
// messages and actions over GraphQL) reaching a loopback receiver, signed, retried and filtered.
import t from 'tap'
import { createTestChannel, until, untilEqual, type TestChannel } from '@openline/testing'
import { createWebhook, deliveries, handledByPlugin, ok, failure, signedWith, webhookScene, CREATE, SEND, WEBHOOK, type WebhookScene } from './helpers.ts'
import type { Received } from './receiver.ts'

let s: WebhookScene
let a: TestChannel
let b: TestChannel
t.before(async () => {
  s = await webhookScene()
  a = await createTestChannel(s.h, s.admin, s.provider, { name: 'Webhooks A' })
  b = await createTestChannel(s.h, s.admin, s.provider, { name: 'Webhooks B' })
})
t.teardown(() => s.close())

const EDIT = 'mutation($id: ID!, $b: String!) { editMessage(id: $id, body: $b) { id } }'
const REMOVE = 'mutation($id: ID!) { deleteMessage(id: $id) { id } }'
const TAKE_OVER = 'mutation($id: ID!) { takeOverConversation(id: $id) { id status } }'

let clients = 0
const newClient = (): string => `webhook-client-${++clients}`

async function send (conversationId: string, body: string, internal = false): Promise<string> {
  return ok(await s.admin.query(SEND, { c: conversationId, b: body, internal }), 'sendMessage').sendMessage.id
}

/** Requests on `path` whose body matches `pick`, once at least `count` of them arrived. */
async function arrived (path: string, count: number, pick: (r: Received) => boolean = () => true): Promise<Received[]> {
  return until(`${count} request(s) on ${path}`, async () => s.receiver.received(path).filter(pick), rs => rs.length >= count)
}

t.test('events arrive signed with the secret; the body carries the public message without storage keys', async (t) => {
  const hook = await createWebhook(s.admin, { url: s.receiver.url('/all'), events: ['conversation.opened', 'message.created'], openChannelIds: [a.id] })
  t.match(hook.secret, /^whsec_[\w-]{40,}$/)
  const { conversationId, messageId } = await a.inbound(newClient(), 'Hello from the client')

  const [opened] = await arrived('/all', 1, r => r.body?.event === 'conversation.opened' && r.body.data.conversationId === conversationId)
  t.match(opened.body, { event: 'conversation.opened', data: { conversationId, openChannelId: a.id, firstContact: true } })
  const [created] = await arrived('/all', 1, r => r.body?.event === 'message.created' && r.body.data.message.id === messageId)
  t.same(Object.keys(created.body).sort(), ['data', 'event', 'id', 'occurredAt'])
  t.match(created.body.data, {
    conversationId,
    openChannelId: a.id,
    message: { id: messageId, conversationId, authorKind: 'client', body: 'Hello from the client', attachments: [] }
  })
  t.notOk(created.raw.includes('storageKey'), 'no storage keys')

  for (const request of [opened, created]) {
    t.equal(request.headers['content-type'], 'application/json')
    t.equal(request.headers['x-openline-event'], request.body.event)
    t.match(String(request.headers['x-openline-delivery']), /^[0-9a-f-]{36}$/)
    t.ok(Math.abs(Number(request.headers['x-openline-timestamp']) - Date.now() / 1000) < 300, 'timestamp in seconds, now')
    t.ok(signedWith(hook.secret, request), 'signature verifies with the secret')
    t.notOk(signedWith('whsec_someone-else', request), 'and not with another secret')
    t.notOk(signedWith(hook.secret, { ...request, raw: request.raw.replace('"event"', '"Event"') }), 'a changed body does not verify')
  }
  t.not(opened.headers['x-openline-delivery'], created.headers['x-openline-delivery'], 'one delivery id per delivery')
})

t.test('an internal note never produces a webhook; the public answer next to it does', async (t) => {
  const hook = await createWebhook(s.admin, { url: s.receiver.url('/notes'), events: ['message.created', 'message.changed'], openChannelIds: [a.id] })
  const { conversationId } = await a.inbound(newClient(), 'Where is my order?')
  const noteId = await send(conversationId, 'INTERNAL: customer is on the blacklist', true)
  const answerId = await send(conversationId, 'Your order ships tomorrow')
  ok(await s.admin.query(EDIT, { id: noteId, b: 'INTERNAL: edited note' }), 'edit the note')

  await arrived('/notes', 1, r => r.body?.data?.message?.id === answerId)
  await untilEqual('the plugin handled the note', () => handledByPlugin(s.h, 'message.created', 'messageId', noteId), 1)
  await untilEqual('and its edit', () => handledByPlugin(s.h, 'message.changed', 'messageId', noteId), 1)
  const everything = s.receiver.received('/notes')
  t.notOk(everything.some(r => r.raw.includes('INTERNAL') || r.body?.data?.message?.id === noteId), 'nothing of the note left')
  const recorded = await deliveries(s.admin, hook.id)
  t.equal(recorded.length, everything.length, 'no delivery recorded for the note either')
  t.ok(everything.every(r => r.body.data.message.id !== noteId))
})

t.test('a receiver answering 500 twice then 200 gets exactly one delivery, attempted three times', async (t) => {
  let failures = 0
  s.receiver.answer('/flaky', r => r.body?.data?.message?.body === 'retry me' && failures++ < 2 ? { status: 500, body: 'temporarily broken' } : { status: 200 })
  const hook = await createWebhook(s.admin, { url: s.receiver.url('/flaky'), events: ['message.created'], openChannelIds: [b.id] })
  const { conversationId } = await b.inbound(newClient(), 'hi')
  const messageId = await send(conversationId, 'retry me')

  const attempts = await arrived('/flaky', 3, r => r.body?.data?.message?.id === messageId)
  t.same(attempts.map(r => r.answered), [500, 500, 200])
  t.equal(new Set(attempts.map(r => r.headers['x-openline-delivery'])).size, 1, 'the same delivery id on every attempt')
  t.equal(new Set(attempts.map(r => r.raw)).size, 1, 'the same body on every attempt')
  t.ok(attempts.every(r => signedWith(hook.secret, r)), 'each attempt signed afresh')

  const finished = await until('the delivery is finished', () => deliveries(s.admin, hook.id),
    ds => ds.some(d => d.uid === attempts[0].headers['x-openline-delivery'] && d.status === 'delivered'))
  const mine = finished.filter(d => d.eventId === attempts[0].body.id)
  t.equal(mine.length, 1, 'one delivery for the event')
  t.match(mine[0], { event: 'message.created', status: 'delivered', attempts: 3, responseStatus: 200, lastError: null, nextAttemptAt: null })
  t.ok(mine[0].deliveredAt)
  const { webhook } = ok(await s.admin.query(WEBHOOK, { id: hook.id }), 'webhook')
  t.equal(webhook.consecutiveFailures, 0, 'a success clears the failure count')
})

t.test('410 Gone switches the endpoint off and says why', async (t) => {
  s.receiver.answer('/gone', () => ({ status: 410 }))
  const hook = await createWebhook(s.admin, { url: s.receiver.url('/gone'), events: ['message.created'], openChannelIds: [b.id] })
  const { conversationId, messageId } = await b.inbound(newClient(), 'anyone there?')
  await arrived('/gone', 1, r => r.body?.data?.message?.id === messageId)
  const { webhook } = await until('switched off', async () => ok(await s.admin.query(WEBHOOK, { id: hook.id }), 'webhook'), r => r.webhook.active === false)
  t.match(webhook.disabledReason, /410 Gone/)
  t.ok(webhook.disabledAt)
  const [delivery] = await deliveries(s.admin, hook.id)
  t.match(delivery, { status: 'failed', responseStatus: 410, attempts: 1 })

  const laterId = await send(conversationId, 'still there?')
  await untilEqual('the plugin handled the next message', () => handledByPlugin(s.h, 'message.created', 'messageId', laterId), 1)
  t.equal((await deliveries(s.admin, hook.id)).length, 1, 'nothing more for a switched-off endpoint')
  t.equal(s.receiver.received('/gone').length, 1)
})

t.test('SSRF: a private literal is refused when created, a loopback name when delivering', async (t) => {
  for (const url of ['http://10.0.0.7/hook', 'https://192.168.1.20/hook', 'http://[::1]:8080/hook', `http://127.0.0.1:${s.receiver.port + 1}/hook`, 'https://169.254.169.254/latest/meta-data']) {
    t.same(failure(await s.admin.query(CREATE, { i: { url, events: ['message.created'] } })), { code: 'OL_VALIDATION', paths: ['/url'] }, url)
  }
  const hook = await createWebhook(s.admin, { url: `http://localhost:${s.receiver.port}/ssrf`, events: ['message.created'], openChannelIds: [b.id] })
  const { messageId } = await b.inbound(newClient(), 'ssrf probe')
  const [delivery] = await until('the delivery failed', () => deliveries(s.admin, hook.id), ds => ds.length === 1 && ds[0].status === 'failed')
  t.match(delivery.lastError, /SSRF guard.*not a public address/)
  t.equal(delivery.responseStatus, null)
  t.equal(delivery.attempts, 1, 'not retried: it would be refused again')
  t.equal(s.receiver.received('/ssrf').length, 0, 'the receiver was never called')
  t.ok(messageId)
})

t.test('an edit and a delete of a public message arrive as message.changed', async (t) => {
  await createWebhook(s.admin, { url: s.receiver.url('/changes'), events: ['message.changed'], openChannelIds: [a.id] })
  const { conversationId } = await a.inbound(newClient(), 'hello')
  const messageId = await send(conversationId, 'first version')
  ok(await s.admin.query(EDIT, { id: messageId, b: 'second version' }), 'edit')
  ok(await s.admin.query(REMOVE, { id: messageId }), 'delete')

  const changes = await arrived('/changes', 2, r => r.body?.data?.message?.id === messageId)
  const edited = changes.find(r => r.body.data.change === 'edited')
  const deleted = changes.find(r => r.body.data.change === 'deleted')
  t.match(edited?.body, { event: 'message.changed', data: { conversationId, openChannelId: a.id, change: 'edited', message: { id: messageId, authorKind: 'agent', body: 'second version' } } })
  t.ok(edited?.body.data.message.editedAt)
  t.match(deleted?.body, { event: 'message.changed', data: { change: 'deleted', message: { id: messageId, body: '', attachments: [] } } })
  t.ok(deleted?.body.data.message.deletedAt)
  t.equal(changes.filter(r => r.body.event !== 'message.changed').length, 0)
})

t.test('the open-channel filter lets only its channels through', async (t) => {
  await createWebhook(s.admin, { url: s.receiver.url('/only-b'), events: ['conversation.opened'], openChannelIds: [b.id] })
  const inA = await a.inbound(newClient(), 'in A')
  const inB = await b.inbound(newClient(), 'in B')
  await arrived('/only-b', 1, r => r.body?.data?.conversationId === inB.conversationId)
  await untilEqual('the plugin handled the opening in A', () => handledByPlugin(s.h, 'conversation.opened', 'conversationId', inA.conversationId), 1)
  t.notOk(s.receiver.received('/only-b').some(r => r.body?.data?.conversationId === inA.conversationId), 'nothing from A')
  t.ok(s.receiver.received('/only-b').every(r => r.body.data.openChannelId === b.id))
})

t.test('conversation.assigned, conversation.statusChanged and message.delivery', async (t) => {
  await createWebhook(s.admin, { url: s.receiver.url('/lifecycle'), events: ['conversation.assigned', 'conversation.statusChanged', 'message.delivery'], openChannelIds: [a.id] })
  const { conversationId } = await a.inbound(newClient(), 'help')
  ok(await s.admin.query(TAKE_OVER, { id: conversationId }), 'take over')
  const [assigned] = await arrived('/lifecycle', 1, r => r.body?.event === 'conversation.assigned' && r.body.data.conversationId === conversationId)
  t.match(assigned.body.data, { conversationId, openChannelId: a.id, assigneeId: s.h.admin.id, previousAssigneeId: null })
  const [status] = await arrived('/lifecycle', 1, r => r.body?.event === 'conversation.statusChanged' && r.body.data.conversationId === conversationId && r.body.data.to === 'assigned')
  t.match(status.body.data, { conversationId, openChannelId: a.id, to: 'assigned' })

  const messageId = await send(conversationId, 'on it')
  const [sent] = await arrived('/lifecycle', 1, r => r.body?.event === 'message.delivery' && r.body.data.messageId === messageId)
  t.match(sent.body.data, { conversationId, openChannelId: a.id, messageId, status: 'sent', error: null })
  t.notOk(s.receiver.received('/lifecycle').some(r => r.body?.event === 'message.created'), 'only the events subscribed to')
})
