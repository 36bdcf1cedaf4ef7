// Managing endpoints over the agent API: who may, what is checked, what is never shown again,
// and the deliveries an admin sees, pings, redeliveries and automatic switch-off.
import t from 'tap'
import { until, type AgentClient } from '@openline/testing'
import { createWebhook, deliveries, failure, ok, signedWith, webhookScene, CREATE, DELETE, DELIVERIES, PING, REDELIVER, ROTATE, UPDATE, WEBHOOK, WEBHOOKS, WEBHOOK_FIELDS, type WebhookScene } from './helpers.ts'

let s: WebhookScene
let agent: AgentClient
let openChannelId: string
t.before(async () => {
  s = await webhookScene({ disableAfterFailures: 3, timeoutMs: 500 })
  agent = await s.h.createAgent({ role: 'agent' })
  openChannelId = ok(await s.admin.query('mutation { createOpenChannel(input: { name: "Managed" }) { id } }'), 'open channel').createOpenChannel.id
})
t.teardown(() => s.close())

t.test('only holders of manageOpenChannels see or manage webhooks', async (t) => {
  const hook = await createWebhook(s.admin, { url: s.receiver.url('/perm'), events: ['message.created'] })
  const attempts: [string, Record<string, unknown>][] = [
    [WEBHOOKS, {}],
    [WEBHOOK, { id: hook.id }],
    ['{ webhookEvents }', {}],
    [DELIVERIES, { w: hook.id }],
    [CREATE, { i: { url: s.receiver.url('/agent'), events: ['message.created'] } }],
    [UPDATE, { id: hook.id, i: { active: false } }],
    [ROTATE, { id: hook.id }],
    [PING, { id: hook.id }],
    [DELETE, { id: hook.id }]
  ]
  for (const [query, variables] of attempts) {
    t.equal(failure(await agent.query(query, variables)).code, 'OL_FORBIDDEN', `agent: ${query.slice(0, 40)}`)
    t.equal(failure(await s.h.agent().query(query, variables)).code, 'OL_UNAUTHENTICATED', `anonymous: ${query.slice(0, 40)}`)
  }
  const { webhook } = ok(await s.admin.query(WEBHOOK, { id: hook.id }), 'still there')
  t.equal(webhook.active, true, 'nothing the agent tried changed it')
  t.same(ok(await s.admin.query('{ webhookEvents }'), 'events').webhookEvents,
    ['conversation.opened', 'conversation.assigned', 'conversation.statusChanged', 'message.created', 'message.changed', 'message.delivery'])
})

t.test('inputs are checked field by field', async (t) => {
  const bad = async (input: Record<string, unknown>): Promise<{ code: string | undefined, paths: string[] }> => failure(await s.admin.query(CREATE, { i: input }))
  t.same(await bad({ url: 'not a url', events: ['message.created'] }), { code: 'OL_VALIDATION', paths: ['/url'] })
  t.same(await bad({ url: 'ftp://example.com/hook', events: ['message.created'] }), { code: 'OL_VALIDATION', paths: ['/url'] })
  t.same(await bad({ url: 'https://user:pw@example.com/hook', events: ['message.created'] }), { code: 'OL_VALIDATION', paths: ['/url'] })
  t.same(await bad({ url: 'https://example.com/hook', events: [] }), { code: 'OL_VALIDATION', paths: ['/events'] })
  t.same(await bad({ url: 'https://example.com/hook', events: ['message.created', 'message.deleted', 'ping'] }), { code: 'OL_VALIDATION', paths: ['/events/1', '/events/2'] })
  t.same(await bad({ url: 'https://example.com/hook', events: ['message.created'], openChannelIds: [openChannelId, '987654321', 'x'] }), { code: 'OL_VALIDATION', paths: ['/openChannelIds/1', '/openChannelIds/2'] })
  t.same(await bad({ url: 'http://10.1.2.3/', events: ['nope'], openChannelIds: ['987654321'] }), { code: 'OL_VALIDATION', paths: ['/url', '/events/0', '/openChannelIds/0'] }, 'every problem at once')
  t.same(await bad({ url: 'https://example.com/hook', events: ['message.created'], description: 'x'.repeat(501) }), { code: 'OL_VALIDATION', paths: ['/description'] })
  t.same(ok(await s.admin.query(WEBHOOKS), 'list').webhooks.filter((w: { url: string }) => w.url.startsWith('https://example.com')), [], 'nothing was created')

  const { createWebhook: created } = ok(await s.admin.query(CREATE, {
    i: { url: ' https://Example.COM/hook ', events: ['message.created', 'message.created', 'conversation.opened'], openChannelIds: [openChannelId, openChannelId], description: '  CRM sync  ' }
  }), 'a good one')
  t.match(created.webhook, { url: 'https://example.com/hook', events: ['message.created', 'conversation.opened'], openChannelIds: [openChannelId], description: 'CRM sync', active: true, consecutiveFailures: 0, disabledReason: null })

  const id = created.webhook.id
  t.same(failure(await s.admin.query(UPDATE, { id, i: { url: 'http://192.168.0.1/x' } })), { code: 'OL_VALIDATION', paths: ['/url'] })
  t.same(failure(await s.admin.query(UPDATE, { id, i: { events: ['message.read'] } })), { code: 'OL_VALIDATION', paths: ['/events/0'] })
  t.same(failure(await s.admin.query(UPDATE, { id: '987654321', i: { active: false } })).code, 'OL_NOT_FOUND')
  const { updateWebhook: updated } = ok(await s.admin.query(UPDATE, { id, i: { events: ['message.changed'], openChannelIds: [], description: null } }), 'update')
  t.match(updated, { url: 'https://example.com/hook', events: ['message.changed'], openChannelIds: [], description: null, active: true })
  const { updateWebhook: off } = ok(await s.admin.query(UPDATE, { id, i: { active: false } }), 'switch off')
  t.match(off, { active: false, disabledReason: null, events: ['message.changed'] })
  t.ok(off.disabledAt)
  t.equal(ok(await s.admin.query(DELETE, { id }), 'delete').deleteWebhook, true)
  t.equal(ok(await s.admin.query(WEBHOOK, { id }), 'gone').webhook, null)
  t.equal(failure(await s.admin.query(DELETE, { id })).code, 'OL_NOT_FOUND')
  t.equal(failure(await s.admin.query(DELIVERIES, { w: id })).code, 'OL_NOT_FOUND')
})

t.test('the secret is shown at creation and rotation only; deliveries are signed with the current one', async (t) => {
  const hook = await createWebhook(s.admin, { url: s.receiver.url('/secret'), events: ['message.created'] })
  const asked = await s.admin.query(`{ webhooks { ${WEBHOOK_FIELDS} secret } }`)
  t.equal(failure(asked).code, 'OL_GRAPHQL_VALIDATION')
  t.match(asked.errors?.[0].message, /Cannot query field "secret"/, 'the API has no field for it')
  const everything = JSON.stringify([
    await s.admin.query(WEBHOOKS), await s.admin.query(WEBHOOK, { id: hook.id }), await s.admin.query(DELIVERIES, { w: hook.id })
  ])
  t.notOk(everything.includes(hook.secret), 'the secret is in no answer')

  const rotated = ok(await s.admin.query(ROTATE, { id: hook.id }), 'rotate').rotateWebhookSecret
  t.match(rotated, /^whsec_/)
  t.not(rotated, hook.secret)
  const ping = ok(await s.admin.query(PING, { id: hook.id }), 'ping').pingWebhook
  t.match(ping, { webhookId: hook.id, event: 'ping', status: 'pending', manual: true })
  const [request] = await until('the ping', async () => s.receiver.received('/secret'), rs => rs.length === 1)
  t.match(request.body, { id: ping.eventId, event: 'ping', data: { webhookId: hook.id } })
  t.equal(request.headers['x-openline-delivery'], ping.uid)
  t.ok(signedWith(rotated, request), 'signed with the new secret')
  t.notOk(signedWith(hook.secret, request), 'not with the old one')
  t.notOk(JSON.stringify(await s.admin.query(WEBHOOKS)).includes(rotated), 'the new secret is not readable either')
  t.equal(failure(await s.admin.query(ROTATE, { id: '987654321' })).code, 'OL_NOT_FOUND')
})

t.test('deliveries page newest first; a redelivery repeats the event with a new delivery id', async (t) => {
  const hook = await createWebhook(s.admin, { url: s.receiver.url('/pages'), events: ['message.created'] })
  const pings: string[] = []
  for (let i = 0; i < 3; i++) pings.push(ok(await s.admin.query(PING, { id: hook.id }), 'ping').pingWebhook.id)
  await until('three delivered', () => deliveries(s.admin, hook.id), ds => ds.length === 3 && ds.every(d => d.status === 'delivered'))

  const first = ok(await s.admin.query(DELIVERIES, { w: hook.id, first: 2 }), 'page 1').webhookDeliveries
  t.same(first.nodes.map((d: { id: string }) => d.id), [pings[2], pings[1]])
  t.ok(first.nextCursor)
  const second = ok(await s.admin.query(DELIVERIES, { w: hook.id, first: 2, after: first.nextCursor }), 'page 2').webhookDeliveries
  t.same(second.nodes.map((d: { id: string }) => d.id), [pings[0]])
  t.equal(second.nextCursor, null)
  t.same(failure(await s.admin.query(DELIVERIES, { w: hook.id, first: 101 })), { code: 'OL_VALIDATION', paths: ['/first'] })

  const original = second.nodes[0]
  t.match(original, { status: 'delivered', attempts: 1, responseStatus: 200 })
  const again = ok(await s.admin.query(REDELIVER, { id: original.id }), 'redeliver').redeliverWebhook
  t.match(again, { webhookId: hook.id, event: 'ping', eventId: original.eventId, redeliveryOfId: original.id, manual: true })
  t.not(again.uid, original.uid)
  const requests = await until('the redelivery', async () => s.receiver.received('/pages').filter(r => r.body.id === original.eventId), rs => rs.length === 2)
  t.equal(requests[0].raw, requests[1].raw, 'the same body')
  t.same(requests.map(r => r.headers['x-openline-delivery']), [original.uid, again.uid])
  t.equal(failure(await s.admin.query(REDELIVER, { id: '987654321' })).code, 'OL_NOT_FOUND')
})

t.test('failing continuously switches an endpoint off, saying why; switching it on again starts afresh', async (t) => {
  s.receiver.answer('/broken', () => ({ status: 400, body: 'unknown payload' }))
  const hook = await createWebhook(s.admin, { url: s.receiver.url('/broken'), events: ['message.created'] })
  for (let i = 0; i < 3; i++) {
    ok(await s.admin.query(PING, { id: hook.id }), 'ping')
    await until(`failure ${i + 1}`, () => deliveries(s.admin, hook.id), ds => ds.length === i + 1 && ds.every(d => d.status === 'failed'))
  }
  const [last] = await deliveries(s.admin, hook.id)
  t.match(last, { status: 'failed', attempts: 1, responseStatus: 400, lastError: 'The receiver answered 400: unknown payload' }, '4xx: not retried')
  const { webhook } = ok(await s.admin.query(WEBHOOK, { id: hook.id }), 'webhook')
  t.match(webhook, { active: false, consecutiveFailures: 3 })
  t.match(webhook.disabledReason, /after 3 failed deliveries in a row.*400: unknown payload/)

  s.receiver.answer('/broken', () => ({ status: 200 }))
  const { updateWebhook: on } = ok(await s.admin.query(UPDATE, { id: hook.id, i: { active: true } }), 'switch on')
  t.match(on, { active: true, consecutiveFailures: 0, disabledReason: null, disabledAt: null })
  const retried = ok(await s.admin.query(REDELIVER, { id: last.id }), 'redeliver').redeliverWebhook
  const done = await until('redelivered', () => deliveries(s.admin, hook.id), ds => ds.some(d => d.id === retried.id && d.status === 'delivered'))
  t.equal(done.length, 4)
})

t.test('a receiver that does not answer in time fails the attempt, which is tried again', async (t) => {
  s.receiver.answer('/slow', () => ({ status: 200, delayMs: 2000 }))
  const hook = await createWebhook(s.admin, { url: s.receiver.url('/slow'), events: ['message.created'] })
  const ping = ok(await s.admin.query(PING, { id: hook.id }), 'ping').pingWebhook
  const [slow] = await until('the first attempt timed out', () => deliveries(s.admin, hook.id), ds => ds[0]?.attempts >= 1)
  t.match(slow, { id: ping.id, status: 'pending', lastError: 'No answer within 500 ms', responseStatus: null })
  t.ok(slow.nextAttemptAt, 'another attempt is due')
  await until('the retry was sent', async () => s.receiver.received('/slow'), rs => rs.length >= 2)
  // Deleting waits for the attempt in flight (it holds the endpoint) instead of deadlocking with it.
  t.equal(ok(await s.admin.query(DELETE, { id: hook.id }), 'delete during an attempt').deleteWebhook, true)
  t.equal(ok(await s.admin.query(WEBHOOK, { id: hook.id }), 'gone').webhook, null)
})

t.test('the secret is sealed at rest', async (t) => {
  const hook = await createWebhook(s.admin, { url: s.receiver.url('/sealed'), events: ['message.created'] })
  const [row] = await (s.h.core.orm.em.fork() as any).execute('select secret from webhooks_endpoints where id = ?', [hook.id]) as { secret: string }[]
  t.match(row.secret, /^v1\./, 'sealed with the deployment key')
  t.notOk(row.secret.includes(hook.secret), 'never in plain text')
})
