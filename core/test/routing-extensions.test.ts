// Routing extension points (issue #3), with fixture plugins standing in for the first-party ones:
// B7 conversation.beforeAssign, E7 hold after close, B6 agent display, E10 typing events,
// PluginContext.templates and openChannel groups, workday with time tracking, presence across instances.
import t from 'tap'
import { buildTestApp, testConnectorPlugin, startFakeProvider, agentClient, sign, type TestApp, type FakeProvider, type AgentClient } from '@openline/testing'
import { routingStrategiesPlugin, routingHooksPlugin, fixtureControl, fixtureContext } from './fixtures/routingPlugins.ts'

const plugins = [testConnectorPlugin, routingStrategiesPlugin, routingHooksPlugin]
let h: TestApp
let provider: FakeProvider
let admin: AgentClient
const secret = 'routing-ext-secret-1'
let seq = 0

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({ plugins, config: { jobs: { sweepIntervalMs: 300, process: true } } })
  admin = await h.login(h.admin.email, h.admin.password)
})
t.teardown(async () => { await h?.close(); await provider?.close() })

async function channel (name: string, queue: Record<string, unknown>): Promise<{ id: string, connectionId: string }> {
  const oc = await admin.query('mutation($n: String!) { createOpenChannel(input: { name: $n }) { id } }', { n: name })
  const id = oc.data.createOpenChannel.id
  const saved = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "queue", values: $v) { id } }', { id, v: queue })
  if (saved.errors !== undefined) throw new Error(JSON.stringify(saved.errors))
  const conn = await admin.query('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }', { i: { openChannelId: id, connector: 'test', externalAccountId: `acct-${name}`, settings: { secret, apiBaseUrl: provider.url } } })
  return { id, connectionId: conn.data.connectChannel.id }
}

async function inbound (connectionId: string, userId: string, text?: string): Promise<string> {
  const raw = JSON.stringify({ userId, messageId: `m-${++seq}`, text: text ?? `hello ${seq}` })
  const res = await fetch(`${h.url}/plugins/test-connector/webhook/${connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-signature': sign(secret, raw) }, body: raw })
  const body = await res.json() as any
  if (res.status !== 200) throw new Error(`webhook: ${res.status} ${JSON.stringify(body)}`)
  return body.conversationId
}

async function conversation (id: string): Promise<any> {
  const res = await admin.query('query($id: ID!) { conversation(id: $id) { id status assigneeId closedAt waitingReason } }', { id })
  return res.data.conversation
}

async function until<T> (what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms
  let last: T = await fn()
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`)
    await new Promise(resolve => setTimeout(resolve, 50))
    last = await fn()
  }
  return last
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

t.test('B7: conversation.beforeAssign directs a conversation to a preferred agent, only if that agent is a candidate', async (t) => {
  const first = await h.createAgent()
  const second = await h.createAgent()
  const third = await h.createAgent()
  const outsider = await h.createAgent()
  const oc = await channel('Preferred', { strategy: 'fixture-first', members: [{ userId: first.id }, { userId: second.id }, { userId: third.id }], checkAvailability: false, limit: { enabled: true, maxConversations: 1 } })

  fixtureControl.preferred.set(oc.id, third.id)
  const c1 = await inbound(oc.connectionId, 'b7-1')
  t.equal((await until('c1 assigned', () => conversation(c1), c => c.status === 'assigned')).assigneeId, third.id, 'the preferred agent, though the strategy picks the first in queue order')
  t.same(fixtureControl.assignCalls.find(c => c.conversationId === c1)?.candidates, [first.id, second.id, third.id], 'the hook saw the candidates')

  // The preferred agent is at their limit now: not a candidate, so the strategy decides.
  const c2 = await inbound(oc.connectionId, 'b7-2')
  t.equal((await until('c2 assigned', () => conversation(c2), c => c.status === 'assigned')).assigneeId, first.id, 'at the limit: ignored')
  t.same(fixtureControl.assignCalls.find(c => c.conversationId === c2)?.candidates, [first.id, second.id])

  // Someone who is not a member of the queue at all.
  fixtureControl.preferred.set(oc.id, outsider.id)
  const c3 = await inbound(oc.connectionId, 'b7-3')
  t.equal((await until('c3 assigned', () => conversation(c3), c => c.status === 'assigned')).assigneeId, second.id, 'not a member: ignored')
  fixtureControl.preferred.delete(oc.id)
})

t.test('E7: a hold after close keeps the conversation closing, takes client messages, then closes and frees the capacity', async (t) => {
  const agent = await h.createAgent()
  const oc = await channel('Hold', { strategy: 'fixture-first', members: [{ userId: agent.id }], checkAvailability: false, limit: { enabled: true, maxConversations: 1 } })
  fixtureControl.holdMs.set(oc.id, 1500)
  const c1 = await inbound(oc.connectionId, 'e7-client')
  await until('c1 assigned', () => conversation(c1), c => c.status === 'assigned')
  const c2 = await inbound(oc.connectionId, 'e7-other')
  await until('c2 waits', () => conversation(c2), c => c.waitingReason === 'allAgentsBusy')

  const closedAt = Date.now()
  const closed = await agent.query('mutation($id: ID!) { closeConversation(id: $id) { status } }', { id: c1 })
  t.equal(closed.data?.closeConversation?.status, 'closing', 'held by the hook')
  const again = await inbound(oc.connectionId, 'e7-client', 'one more thing: thanks!')
  t.equal(again, c1, 'a client message during the hold lands in the same conversation')
  const messages = await admin.query('query($c: ID!) { messages(conversationId: $c) { nodes { body } } }', { c: c1 })
  t.ok(messages.data.messages.nodes.some((m: any) => m.body === 'one more thing: thanks!'))
  await sleep(300)
  t.equal((await conversation(c2)).status, 'queued', 'a closing conversation still counts against the limit')

  const final = await until('closed after the hold', () => conversation(c1), c => c.status === 'closed', 10_000)
  t.ok(Date.now() - closedAt >= 1400, `closed for good after the hold (${Date.now() - closedAt} ms)`)
  t.ok(final.closedAt)
  t.equal((await until('c2 assigned once capacity freed', () => conversation(c2), c => c.status === 'assigned')).assigneeId, agent.id)
  const after = await inbound(oc.connectionId, 'e7-client', 'a new question')
  t.not(after, c1, 'after the final close a message opens a new conversation')
  fixtureControl.holdMs.delete(oc.id)
})

t.test('B6: the agent display of the queue decides the sender name the provider receives', async (t) => {
  const agent = await h.createAgent({ name: 'Alice Example' })
  const cases = [
    { mode: 'profile', display: { mode: 'profile' }, expected: 'Alice Example' },
    { mode: 'alias', display: { mode: 'alias', aliasName: 'Support Team', aliasAvatarUrl: 'https://example.test/team.png' }, expected: 'Support Team' },
    { mode: 'hidden', display: { mode: 'hidden' }, expected: null }
  ]
  for (const c of cases) {
    const oc = await channel(`Display ${c.mode}`, { strategy: 'fixture-first', members: [{ userId: agent.id }], checkAvailability: false, agentDisplay: c.display })
    const conv = await inbound(oc.connectionId, `b6-${c.mode}`)
    await until('assigned', () => conversation(conv), x => x.status === 'assigned')
    const text = `reply with ${c.mode} display`
    const sent = await agent.query('mutation($c: ID!, $b: String!) { sendMessage(conversationId: $c, body: $b) { id } }', { c: conv, b: text })
    t.equal(sent.errors, undefined, JSON.stringify(sent.errors))
    const delivered = await until(`delivery (${c.mode})`, async () => provider.sent().find(s => s.text === text), s => s !== undefined)
    t.equal(delivered?.senderName ?? null, c.expected, `${c.mode}: sender name ${JSON.stringify(c.expected)}`)
    if (c.mode === 'profile') {
      // Bots and system texts carry no person, whatever the display.
      await h.core.sendMessage({ conversationId: conv, body: 'automatic text', authorKind: 'bot' })
      const bot = await until('bot delivery', async () => provider.sent().find(s => s.text === 'automatic text'), s => s !== undefined)
      t.equal(bot?.senderName ?? null, null, 'a bot message: no sender name')
    }
  }
})

t.test('E10: clientTyping reaches the agents who may see the conversation, and only them', async (t) => {
  const watcher = await h.createAgent()
  const stranger = await h.createAgent()
  const oc = await channel('Typing', { strategy: 'fixture-first', members: [{ userId: watcher.id }], checkAvailability: false })
  const conv = await inbound(oc.connectionId, 'e10-client')
  await until('assigned', () => conversation(conv), c => c.status === 'assigned')
  const query = 'subscription($c: ID) { clientTyping(conversationId: $c) { conversationId preview at } }'
  const subWatcher = await watcher.subscribe(query)
  const subStranger = await stranger.subscribe(query)
  const subAdmin = await admin.subscribe(query, { c: conv })
  const typing = async (body: Record<string, unknown>): Promise<void> => {
    const res = await fetch(`${h.url}/plugins/routing-fixture/typing`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    t.equal(res.status, 200)
  }
  await typing({ conversationId: conv, preview: 'Where is my ord' })
  const seen = (await subWatcher.next()).data?.clientTyping
  t.equal(seen?.conversationId, conv)
  t.equal(seen?.preview, 'Where is my ord')
  t.ok(seen?.at)
  t.equal((await subAdmin.next()).data?.clientTyping.preview, 'Where is my ord', 'a supervisor filtering on the conversation sees it too')
  await typing({ conversationId: conv, preview: 'x'.repeat(3000) })
  t.equal((await subWatcher.next()).data?.clientTyping.preview.length, 2000, 'previews are cut at 2000 characters')
  await typing({ conversationId: conv })
  t.equal((await subWatcher.next()).data?.clientTyping.preview, null, 'typing without a preview')
  await sleep(300)
  t.same(subStranger.buffered(), [], 'an agent who may not see the conversation gets nothing')
  subWatcher.close(); subStranger.close(); subAdmin.close()
})

t.test('templates and openChannel groups through the PluginContext', async (t) => {
  const ctx = fixtureContext()
  t.equal(ctx.templates.render('Hi {{client.name}}, see <{{link}}> & {{missing}}!', { client: { name: 'O\'Brien & <Co>' }, link: 'https://shop.test/?a=1&b=2' }),
    'Hi O\'Brien & <Co>, see <https://shop.test/?a=1&b=2> & !', 'variables filled, nothing HTML-escaped, unknown variables empty')
  t.equal(ctx.templates.render('{{#if agent}}{{agent.name}}{{else}}our team{{/if}}', {}), 'our team', 'built-in block helpers work')
  t.equal(ctx.templates.check('Hello {{client.name}}', '/greeting'), null)
  const error = ctx.templates.check('Hello {{#if client}}', '/greeting')
  t.equal(error?.path, '/greeting')
  t.match(error?.message, /^Template error/)
  t.equal(ctx.templates.check('{{unknownHelper client}}', '/greeting')?.path, '/greeting', 'unknown helpers are refused when saving')

  // A plugin settings group using check: a syntax error is a field error of the API.
  const oc = await admin.query('mutation { createOpenChannel(input: { name: "Templates" }) { id } }')
  const id = oc.data.createOpenChannel.id
  const bad = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "fixtureTexts", values: $v) { id } }', { id, v: { greeting: 'Hi {{#each}}' } })
  t.equal(bad.errors?.[0].extensions?.code, 'OL_VALIDATION')
  t.same(bad.errors?.[0].extensions?.fields?.map(f => f.path), ['/greeting'])

  // Defaults of every group, before anything was saved.
  const fresh = await ctx.openChannel(id)
  t.ok(fresh !== null)
  t.same(fresh?.groups.queue, {
    strategy: null, strategySettings: {}, members: [], checkAvailability: true, timeTracking: false,
    limit: { enabled: false, maxConversations: 5, exclude: [] }, agentDisplay: { mode: 'profile' }
  })
  t.same(fresh?.groups.fixtureTexts, { greeting: 'Hello {{client.name}}', delayMinutes: 5 })
  t.equal(fresh?.groups.other.language, 'en')
  t.ok(fresh?.groups.chatbots !== undefined && fresh?.groups.crmForm !== undefined)

  // Saved values over the defaults.
  const saved = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "queue", values: $v) { id } }', { id, v: { strategy: 'fixture-first', limit: { enabled: true } } })
  t.equal(saved.errors, undefined)
  const good = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "fixtureTexts", values: $v) { id } }', { id, v: { greeting: 'Hi {{client.name}}' } })
  t.equal(good.errors, undefined)
  const after = await ctx.openChannel(id)
  t.same(after?.groups.queue.limit, { enabled: true, maxConversations: 5, exclude: [] })
  t.equal(after?.groups.queue.strategy, 'fixture-first')
  t.same(after?.groups.fixtureTexts, { greeting: 'Hi {{client.name}}', delayMinutes: 5 })
  t.equal(await ctx.openChannel('999999999'), null)
  t.equal(await ctx.openChannel('not-an-id'), null)
})

t.test('workday with time tracking: not started is skipped, startWorkday makes the agent eligible and routes', async (t) => {
  const late = await h.createAgent()
  const early = await h.createAgent()
  // Online (checkAvailability is on): an open agent connection each.
  const subs = await Promise.all([late, early].map(a => a.subscribe('subscription { offerChanged { conversationId state } }')))
  t.equal((await early.query('mutation { startWorkday }')).data?.startWorkday, 'working')
  const oc = await channel('Workday', { strategy: 'fixture-first', members: [{ userId: late.id }, { userId: early.id }], checkAvailability: true, timeTracking: true })
  const c1 = await inbound(oc.connectionId, 'wd-1')
  t.equal((await until('c1 assigned', () => conversation(c1), c => c.status === 'assigned')).assigneeId, early.id, 'the first in queue has not started the day: skipped')

  const lateOnly = await channel('Workday late', { strategy: 'fixture-first', members: [{ userId: late.id }], checkAvailability: true, timeTracking: true })
  const c2 = await inbound(lateOnly.connectionId, 'wd-2')
  const waiting = await until('c2 waits', () => conversation(c2), c => c.waitingReason !== null)
  t.equal(waiting.status, 'queued')
  t.equal(waiting.waitingReason, 'noAgentsAvailable', 'a member who has not started the day is not "no members"')
  const status = await admin.query('query($id: ID!) { openChannel(id: $id) { routingStatus { ready reason members available } } }', { id: lateOnly.id })
  t.same(status.data.openChannel.routingStatus, { ready: false, reason: 'noAgentsAvailable', members: 0, available: 0 })
  const availability = await admin.query('query($u: [ID!]!) { agentAvailability(userIds: $u) { userId online workday } }', { u: [late.id, early.id] })
  t.same(availability.data.agentAvailability.map((a: any) => [a.userId, a.online, a.workday]).sort(), [[late.id, true, null], [early.id, true, 'working']].sort())

  t.equal((await late.query('mutation { startWorkday }')).data?.startWorkday, 'working')
  t.equal((await until('c2 assigned after startWorkday', () => conversation(c2), c => c.status === 'assigned')).assigneeId, late.id)

  t.equal((await late.query('mutation { pauseWorkday }')).data?.pauseWorkday, 'paused')
  const c3 = await inbound(lateOnly.connectionId, 'wd-3')
  await until('c3 waits while the day is paused', () => conversation(c3), c => c.waitingReason !== null)
  await sleep(300)
  t.equal((await conversation(c3)).status, 'queued')
  t.equal((await late.query('mutation { startWorkday }')).data?.startWorkday, 'working')
  t.equal((await until('c3 assigned after resuming', () => conversation(c3), c => c.status === 'assigned')).assigneeId, late.id)
  for (const s of subs) s.close()
})

t.test('presence across instances: an agent connected to instance B is online for routing done by instance A', async (t) => {
  // B shares the database and Redis prefix and processes no jobs: every routing pass runs on A.
  const b = await buildTestApp({ database: h.database, redisPrefix: h.config.redisPrefix, plugins, config: { jobs: { process: false } } })
  t.teardown(() => b.close())
  const agent = await h.createAgent()
  const oc = await channel('Presence', { strategy: 'fixture-first', members: [{ userId: agent.id }], checkAvailability: true })
  const conv = await inbound(oc.connectionId, 'presence-client')
  t.equal((await until('waits: nobody online', () => conversation(conv), c => c.waitingReason !== null)).waitingReason, 'noAgentsAvailable')
  t.equal((await h.core.presence.online([agent.id])).size, 0)

  const onB = agentClient(b.url, agent.token)
  const sub = await onB.subscribe('subscription { offerChanged { conversationId state } }')
  t.ok((await h.core.presence.online([agent.id])).has(agent.id), 'A sees the connection held by B')
  const assigned = await until('routed by A once the agent is online on B', () => conversation(conv), c => c.status === 'assigned')
  t.equal(assigned.assigneeId, agent.id)
  t.same((await sub.next()).data?.offerChanged, { conversationId: conv, state: 'open' }, 'the offer made on A is pushed through B')

  sub.close()
  await onB.close()
  await until('offline on A after disconnecting from B', () => h.core.presence.online([agent.id]), s => s.size === 0)
  const next = await inbound(oc.connectionId, 'presence-client-2')
  t.equal((await until('waits again', () => conversation(next), c => c.waitingReason !== null)).waitingReason, 'noAgentsAvailable')
})

t.test('E7 + F2: a plugin closing a held conversation ends the hold at once', async (t) => {
  const oc = await channel('hold-ends', { strategy: 'fixture-first', members: [] })
  fixtureControl.holdMs.set(oc.id, 60_000)
  t.teardown(() => { fixtureControl.holdMs.delete(oc.id) })
  const c1 = await inbound(oc.connectionId, 'rater')
  await admin.query('mutation($id: ID!) { closeConversation(id: $id) { id } }', { id: c1 })
  t.equal((await conversation(c1)).status, 'closing', 'held for a minute')
  const again = await admin.query('mutation($id: ID!) { closeConversation(id: $id) { id } }', { id: c1 })
  t.equal(again.errors?.[0].extensions?.code, 'OL_CONFLICT', 'an agent closing twice is told it is closed')
  const closed = await fixtureContext().conversations.close(c1, { reason: 'rated' })
  t.equal(closed.status, 'closed')
  const [{ n }] = await (h.core.orm.em.fork() as any).execute("select count(*)::int as n from timers where key = ? and fired_at is null and cancelled_at is null", [`close:${c1}`])
  t.equal(n, 0, 'the hold timer is cancelled')
})
