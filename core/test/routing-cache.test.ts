// Routing keeps each open channel's resolved queue in memory between passes (issue #3, "scale"):
// every change that can alter a queue must reach the next pass, on whichever instance runs it.
// No instance here processes jobs: the test runs each routing pass itself, on the instance it
// names (`core.routing.route`, what the routing job calls), and reads the outcome over GraphQL.
import t from 'tap'
import pg from 'pg'
import { definePlugin, Type, type QueueStrategy } from '@openline/sdk'
import { buildTestApp, testConnectorPlugin, startFakeProvider, createTestChannel, type TestApp, type FakeProvider, type AgentClient, type TestChannel } from '@openline/testing'
import { routingStrategiesPlugin } from './fixtures/routingPlugins.ts'

/** Exclusive: the candidate assigned longest ago (never assigned first; ties: queue order). */
const longestIdle: QueueStrategy = {
  id: 'fixture-longest-idle',
  title: 'Longest idle first',
  settingsSchema: Type.Object({}),
  offer: ({ candidates }) => {
    let best = candidates[0]
    const at = (d: Date | null): number => d === null ? -Infinity : d.getTime()
    for (const c of candidates) if (at(c.lastAssignedAt) < at(best.lastAssignedAt)) best = c
    return { agents: best === undefined ? [] : [best.userId], exclusive: true }
  }
}
const idlePlugin = definePlugin({ name: 'routing-cache-fixture', version: '0.1.0', core: '>=0.1.0', provides: { queueStrategies: [longestIdle] } })
const plugins = [testConnectorPlugin, routingStrategiesPlugin, idlePlugin]

let a: TestApp
let b: TestApp
let provider: FakeProvider
let admin: AgentClient
let seq = 0

t.before(async () => {
  provider = await startFakeProvider()
  a = await buildTestApp({ plugins, config: { jobs: { process: false } } })
  // A second instance on the same database and Redis prefix, with a routing cache of its own.
  b = await buildTestApp({ database: a.database, redisPrefix: a.config.redisPrefix, plugins, config: { jobs: { process: false } } })
  admin = await a.login(a.admin.email, a.admin.password)
})
t.teardown(async () => { await b?.close(); await a?.close(); await provider?.close() })

async function channel (name: string, queue: Record<string, unknown>): Promise<TestChannel> {
  return createTestChannel(a, admin, provider, { name, queue, secret: 'routing-cache-secret' })
}

async function must<T = any> (client: AgentClient, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await client.query<T>(query, variables)
  if (res.errors !== undefined || res.data === undefined) throw new Error(`${query}: ${JSON.stringify(res.errors)}`)
  return res.data
}

/** A new client's first message (a queued conversation), then one routing pass on `on`; the conversation as GraphQL shows it. */
async function arrive (oc: TestChannel, on: TestApp): Promise<{ id: string, assigneeId: string | null, waitingReason: string | null }> {
  const { conversationId } = await oc.inbound(`client-${++seq}`)
  await on.core.routing.route(oc.id)
  return conversation(conversationId)
}

async function conversation (id: string): Promise<{ id: string, assigneeId: string | null, waitingReason: string | null }> {
  return (await must(admin, 'query($id: ID!) { conversation(id: $id) { id assigneeId waitingReason } }', { id })).conversation
}

async function department (name: string, members: string[]): Promise<string> {
  const id = (await must(admin, 'mutation($n: String!) { createDepartment(input: { name: $n }) { id } }', { n: name })).createDepartment.id
  for (const u of members) await must(admin, 'mutation($d: ID!, $u: ID!) { addDepartmentMember(departmentId: $d, userId: $u) { id } }', { d: id, u })
  return id
}

const today = (): string => new Date().toISOString().slice(0, 10)

t.test('a user added to a department after a first routing is a candidate at the next pass; removed, no longer', async (t) => {
  const first = await a.createAgent()
  const later = await a.createAgent()
  const departmentId = await department('Cache joiners', [first.id])
  const oc = await channel('Joiners', { strategy: 'fixture-least-loaded', members: [{ departmentId }], checkAvailability: false })
  t.equal((await arrive(oc, a)).assigneeId, first.id, 'the only member')

  await must(admin, 'mutation($d: ID!, $u: ID!) { addDepartmentMember(departmentId: $d, userId: $u) { id } }', { d: departmentId, u: later.id })
  t.equal((await arrive(oc, a)).assigneeId, later.id, 'the new department member holds fewer')
  t.equal((await arrive(oc, a)).assigneeId, first.id, 'one each: queue order')

  await must(admin, 'mutation($d: ID!, $u: ID!) { removeDepartmentMember(departmentId: $d, userId: $u) { id } }', { d: departmentId, u: later.id })
  t.equal((await arrive(oc, a)).assigneeId, first.id, 'removed from the department: not a candidate, though holding fewer')
})

t.test('an absence makes an agent unavailable at once; removing it brings them back', async (t) => {
  const away = await a.createAgent()
  const other = await a.createAgent()
  // Availability is checked: both hold an open connection (online).
  const subs = await Promise.all([away, other].map(x => x.subscribe('subscription { offerChanged { state } }')))
  t.teardown(() => { for (const s of subs) s.close() })
  const oc = await channel('Absences', { strategy: 'fixture-first', members: [{ userId: away.id }, { userId: other.id }], checkAvailability: true })
  t.equal((await arrive(oc, a)).assigneeId, away.id, 'first in queue order')

  const absence = (await must(away, 'mutation($u: ID!, $d: String!) { addAbsence(userId: $u, startsOn: $d, endsOn: $d) { id } }', { u: away.id, d: today() })).addAbsence.id
  t.equal((await arrive(oc, a)).assigneeId, other.id, 'absent today: skipped at the next pass')
  t.equal((await arrive(oc, b)).assigneeId, other.id, 'on the other instance too')

  await must(away, 'mutation($id: ID!) { removeAbsence(id: $id) }', { id: absence })
  t.equal((await arrive(oc, a)).assigneeId, away.id, 'back once the absence is removed')
  t.equal((await arrive(oc, b)).assigneeId, away.id, 'on the other instance too')
})

t.test('a paused working day takes effect at the next pass', async (t) => {
  const agent = await a.createAgent()
  const other = await a.createAgent()
  const subs = await Promise.all([agent, other].map(x => x.subscribe('subscription { offerChanged { state } }')))
  t.teardown(() => { for (const s of subs) s.close() })
  for (const x of [agent, other]) t.equal((await must(x, 'mutation { startWorkday }')).startWorkday, 'working')
  const oc = await channel('Workdays', { strategy: 'fixture-first', members: [{ userId: agent.id }, { userId: other.id }], checkAvailability: true, timeTracking: true })
  t.equal((await arrive(oc, a)).assigneeId, agent.id)

  await must(agent, 'mutation { pauseWorkday }')
  t.equal((await arrive(oc, a)).assigneeId, other.id, 'paused: skipped')
  await must(agent, 'mutation { startWorkday }')
  t.equal((await arrive(oc, a)).assigneeId, agent.id, 'working again')
})

t.test('a deactivated account is skipped at the next pass, a reactivated one is back', async (t) => {
  const agent = await a.createAgent()
  const other = await a.createAgent()
  const oc = await channel('Dismissed', { strategy: 'fixture-first', members: [{ userId: agent.id }, { userId: other.id }], checkAvailability: false })
  t.equal((await arrive(oc, a)).assigneeId, agent.id)
  await must(admin, 'mutation($id: ID!) { updateUser(id: $id, input: { active: false }) { active } }', { id: agent.id })
  t.equal((await arrive(oc, a)).assigneeId, other.id, 'deactivated: skipped')
  await must(admin, 'mutation($id: ID!) { updateUser(id: $id, input: { active: true }) { active } }', { id: agent.id })
  t.equal((await arrive(oc, a)).assigneeId, agent.id, 'reactivated')
})

t.test('a new member list in the queue settings applies at the next pass', async (t) => {
  const before = await a.createAgent()
  const after = await a.createAgent()
  const oc = await channel('Member list', { strategy: 'fixture-first', members: [{ userId: before.id }], checkAvailability: false })
  t.equal((await arrive(oc, a)).assigneeId, before.id)
  t.equal((await arrive(oc, b)).assigneeId, before.id)
  await must(admin, 'mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "queue", values: $v) { id } }',
    { id: oc.id, v: { strategy: 'fixture-first', members: [{ userId: after.id }, { userId: before.id }], checkAvailability: false } })
  t.equal((await arrive(oc, a)).assigneeId, after.id, 'the new first in the queue')
  t.equal((await arrive(oc, b)).assigneeId, after.id, 'on the other instance too')
})

t.test('assignments made by another instance count: the longest idle agent is the same on both', async (t) => {
  const x = await a.createAgent()
  const y = await a.createAgent()
  const oc = await channel('Longest idle', { strategy: 'fixture-longest-idle', members: [{ userId: x.id }, { userId: y.id }], checkAvailability: false })
  t.equal((await arrive(oc, a)).assigneeId, x.id, 'nobody assigned yet: queue order')
  t.equal((await arrive(oc, b)).assigneeId, y.id, 'B: x was just assigned (by A)')
  t.equal((await arrive(oc, b)).assigneeId, x.id, 'B: x was assigned before y')
  t.equal((await arrive(oc, a)).assigneeId, y.id, 'A: both were assigned by B since, y first')
  t.equal((await arrive(oc, b)).assigneeId, x.id, 'B: y was assigned by A since')
  t.equal((await arrive(oc, a)).assigneeId, y.id, 'A: x was assigned by B after A assigned y')
})

t.test('a change committed after a pass that began while it was in progress is not missed', async (t) => {
  const busy = await a.createAgent()
  const late = await a.createAgent()
  const unrelated = await a.createAgent()
  const departmentId = await department('Late commit', [busy.id])
  const oc = await channel('Late commit', { strategy: 'fixture-first', members: [{ departmentId }], checkAvailability: false, limit: { enabled: true, maxConversations: 1 } })
  t.equal((await arrive(oc, a)).assigneeId, busy.id)

  // A slow transaction adds `late` to the department; meanwhile a quicker one commits another change.
  const slow = new pg.Client({ connectionString: a.database.url })
  await slow.connect()
  t.teardown(() => slow.end())
  await slow.query('begin')
  await slow.query('insert into department_members (department_id, user_id) values ($1, $2)', [departmentId, late.id])
  await must(admin, 'mutation($u: ID!, $d: String!) { addAbsence(userId: $u, startsOn: $d, endsOn: $d) { id } }', { u: unrelated.id, d: today() })
  const waiting = await arrive(oc, a)
  t.equal(waiting.waitingReason, 'allAgentsBusy', 'not committed yet: not a member')
  await slow.query('commit')

  await a.core.routing.route(oc.id)
  t.equal((await conversation(waiting.id)).assigneeId, late.id, 'committed after a change that was already read: still seen')
})
