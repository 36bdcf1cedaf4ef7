import t from 'tap'
import { definePlugin, Type, type QueueStrategy } from '@openline/sdk'
import { buildTestApp, testConnectorPlugin, startFakeProvider, createTestChannel, until, type TestApp, type FakeProvider, type AgentClient, type TestChannel } from '@openline/testing'

// Core tests load no first-party plugin: these fixture strategies stand in for them.
const inOrder: QueueStrategy = {
  id: 'fixture-in-order',
  title: 'First not yet offered',
  settingsSchema: Type.Object({ idleTimeoutSec: Type.Integer({ minimum: 0, default: 0 }) }),
  offer: ({ candidates, previousOffers, settings }) => {
    const next = candidates.find(c => !previousOffers.includes(c.userId)) ?? candidates[0]
    return { agents: next === undefined ? [] : [next.userId], exclusive: true, idleTimeoutSec: (settings as any).idleTimeoutSec }
  }
}
const toAll: QueueStrategy = {
  id: 'fixture-to-all',
  title: 'Everyone',
  settingsSchema: Type.Object({}),
  offer: ({ candidates }) => ({ agents: candidates.map(c => c.userId), exclusive: false })
}
const strategies = definePlugin({ name: 'fixture-strategies', version: '0.1.0', core: '>=0.1.0', provides: { queueStrategies: [inOrder, toAll] } })

let h: TestApp
let provider: FakeProvider
let admin: AgentClient
const secret = 'routing-secret-1'

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({ plugins: [testConnectorPlugin, strategies], config: { jobs: { sweepIntervalMs: 300, process: true } } })
  admin = await h.login(h.admin.email, h.admin.password)
})
t.teardown(async () => { await h?.close(); await provider?.close() })

const channels = new Map<string, TestChannel>()

async function channel (name: string, queue: Record<string, unknown>): Promise<TestChannel> {
  const created = await createTestChannel(h, admin, provider, { name, queue, secret })
  channels.set(created.connectionId, created)
  return created
}

async function inbound (connectionId: string, userId: string): Promise<string> {
  return (await channels.get(connectionId)!.inbound(userId)).conversationId
}

async function conversation (id: string): Promise<any> {
  const res = await admin.query('query($id: ID!) { conversation(id: $id) { id status assigneeId acceptedAt waitingReason queuePosition } }', { id })
  return res.data.conversation
}

t.test('a new conversation goes to an online member; offline members are skipped (B4)', async (t) => {
  const offline = await h.createAgent()
  const online = await h.createAgent()
  const sub = await online.subscribe('subscription { offerChanged { conversationId state } }')
  const oc = await channel('Availability', { strategy: 'fixture-in-order', members: [{ userId: offline.id }, { userId: online.id }] })
  const convId = await inbound(oc.connectionId, 'client-a')
  const conv = await until('assignment', () => conversation(convId), c => c.status === 'assigned')
  t.equal(conv.assigneeId, online.id)
  t.equal(conv.acceptedAt, null, 'an offer until answered')
  const pushed = await sub.next()
  t.same(pushed.data?.offerChanged, { conversationId: convId, state: 'open' })
  const answered = await online.query('mutation($id: ID!) { answerConversation(id: $id) { acceptedAt } }', { id: convId })
  t.ok(answered.data.answerConversation.acceptedAt)
  sub.close()
})

t.test('limits: the next conversation waits, then goes out when capacity frees (B5, B8)', async (t) => {
  const agent = await h.createAgent()
  const oc = await channel('Limits', { strategy: 'fixture-in-order', members: [{ userId: agent.id }], checkAvailability: false, limit: { enabled: true, maxConversations: 1 } })
  const first = await inbound(oc.connectionId, 'client-l1')
  await until('first assigned', () => conversation(first), c => c.status === 'assigned')
  const second = await inbound(oc.connectionId, 'client-l2')
  const third = await inbound(oc.connectionId, 'client-l3')
  const waiting = await until('second waits', () => conversation(second), c => c.waitingReason === 'allAgentsBusy')
  t.equal(waiting.status, 'queued')
  t.equal(waiting.queuePosition, 1)
  t.equal((await conversation(third)).queuePosition, 2)
  const closed = await agent.query('mutation($id: ID!) { closeConversation(id: $id) { status } }', { id: first })
  t.equal(closed.data.closeConversation.status, 'closed')
  const next = await until('oldest waiting goes first', () => conversation(second), c => c.status === 'assigned')
  t.equal(next.assigneeId, agent.id)
  t.equal((await conversation(third)).status, 'queued', 'still at the limit')
})

t.test('skip and idle timeout pass the conversation on (B2, B3)', async (t) => {
  const a = await h.createAgent()
  const b = await h.createAgent()
  const oc = await channel('Skip', { strategy: 'fixture-in-order', strategySettings: { idleTimeoutSec: 1 }, members: [{ userId: a.id }, { userId: b.id }], checkAvailability: false })
  const convId = await inbound(oc.connectionId, 'client-s')
  await until('offered to a', () => conversation(convId), c => c.assigneeId === a.id)
  const skipped = await a.query('mutation($id: ID!) { skipConversation(id: $id) }', { id: convId })
  t.equal(skipped.data.skipConversation, true)
  await until('offered to b after the skip', () => conversation(convId), c => c.assigneeId === b.id)
  // b neither answers nor skips: after the idle time it goes back to a.
  await until('forwarded after idle time', () => conversation(convId), c => c.assigneeId === a.id, 10_000)
  const offers = await h.core.orm.em.fork().execute('select user_id::text, state from conversation_offers where conversation_id = ? order by user_id', [convId]) as any[]
  t.same(offers.map(o => o.state).sort(), ['expired', 'open'].sort())
})

t.test('to all: everyone is offered, the first to answer owns it (B2)', async (t) => {
  const a = await h.createAgent()
  const b = await h.createAgent()
  const subB = await b.subscribe('subscription { offerChanged { conversationId state } }')
  const oc = await channel('ToAll', { strategy: 'fixture-to-all', members: [{ userId: a.id }, { userId: b.id }], checkAvailability: false })
  const convId = await inbound(oc.connectionId, 'client-t')
  await until('offers made', async () => (await a.query('{ myOffers { conversation { id } exclusive } }')).data.myOffers, o => o.length === 1)
  t.same((await subB.next()).data?.offerChanged, { conversationId: convId, state: 'open' })
  const [first, second] = await Promise.all([
    a.query('mutation($id: ID!) { answerConversation(id: $id) { assigneeId } }', { id: convId }),
    b.query('mutation($id: ID!) { answerConversation(id: $id) { assigneeId } }', { id: convId })
  ])
  const winners = [first, second].filter(r => r.data?.answerConversation?.assigneeId !== undefined)
  t.equal(winners.length, 1, 'exactly one agent owns it')
  const loser = [first, second].find(r => r.errors !== undefined)
  t.equal(loser?.errors?.[0].extensions?.code, 'OL_CONFLICT')
  if (winners[0] === first) t.same((await subB.next()).data?.offerChanged, { conversationId: convId, state: 'withdrawn' }, 'the other offer is withdrawn and pushed')
  subB.close()
})

t.test('departments resolve at routing time; absent and dismissed agents are skipped (B1, B4)', async (t) => {
  const dept = await admin.query('mutation { createDepartment(input: { name: "Routing dept" }) { id } }')
  const departmentId = dept.data.createDepartment.id
  const oc = await channel('Departments', { strategy: 'fixture-in-order', members: [{ departmentId }], checkAvailability: true })
  const status = await admin.query('query($id: ID!) { openChannel(id: $id) { routingStatus { ready reason members } } }', { id: oc.id })
  t.same(status.data.openChannel.routingStatus, { ready: false, reason: 'noMembers', members: 0 })
  const convId = await inbound(oc.connectionId, 'client-d')
  await until('waits: no members', () => conversation(convId), c => c.waitingReason === 'noMembers')
  const away = await h.createAgent()
  const dismissed = await h.createAgent()
  const here = await h.createAgent()
  const fired = await admin.query('mutation($id: ID!) { updateUser(id: $id, input: { active: false }) { active } }', { id: dismissed.id })
  t.equal(fired.data?.updateUser?.active, false, JSON.stringify(fired.errors))
  const today = new Date().toISOString().slice(0, 10)
  const absence = await away.query('mutation($u: ID!, $d: String!) { addAbsence(userId: $u, startsOn: $d, endsOn: $d, reason: "vacation") { id } }', { u: away.id, d: today })
  t.equal(absence.errors, undefined)
  for (const u of [away, dismissed, here]) await admin.query('mutation($d: ID!, $u: ID!) { addDepartmentMember(departmentId: $d, userId: $u) { id } }', { d: departmentId, u: u.id })
  const subAway = await away.subscribe('subscription { offerChanged { state } }')
  const subHere = await here.subscribe('subscription { offerChanged { state } }')
  const conv = await until('assigned to the one at work', () => conversation(convId), c => c.status === 'assigned')
  t.equal(conv.assigneeId, here.id)
  subAway.close(); subHere.close()
})

t.test('a deactivated channel stores but does not distribute (A3)', async (t) => {
  const agent = await h.createAgent()
  const oc = await channel('Inactive', { strategy: 'fixture-in-order', members: [{ userId: agent.id }], checkAvailability: false })
  await admin.query('mutation($id: ID!) { setOpenChannelActive(id: $id, active: false) { id } }', { id: oc.id })
  const convId = await inbound(oc.connectionId, 'client-i')
  t.ok(convId, 'the message was accepted and stored')
  await until('waits while inactive', () => conversation(convId), c => c.waitingReason === 'channelInactive')
  await admin.query('mutation($id: ID!) { setOpenChannelActive(id: $id, active: true) { id } }', { id: oc.id })
  await until('distributed after reactivation', () => conversation(convId), c => c.status === 'assigned')
})

t.test('bad queue settings get field errors', async (t) => {
  const oc = await admin.query('mutation { createOpenChannel(input: { name: "Bad queue" }) { id } }')
  const id = oc.data.createOpenChannel.id
  const bad = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "queue", values: $v) { id } }',
    { id, v: { strategy: 'fixture-in-order', members: [{ userId: '999999' }], limit: { enabled: true, maxConversations: 0 } } })
  const paths = bad.errors?.[0].extensions?.fields?.map(f => f.path) ?? []
  t.ok(paths.includes('/limit/maxConversations'), JSON.stringify(paths))
  const unknownMember = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "queue", values: $v) { id } }',
    { id, v: { strategy: 'fixture-in-order', members: [{ userId: '999999' }] } })
  t.same(unknownMember.errors?.[0].extensions?.fields, [{ path: '/members/0/userId', message: 'No user 999999' }])
  const unknownStrategy = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "queue", values: $v) { id } }', { id, v: { strategy: 'nope' } })
  t.equal(unknownStrategy.errors?.[0].extensions?.fields?.[0].path, '/strategy')
})
