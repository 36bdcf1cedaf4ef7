// Presence as routing reads it (issue #3, "scale"): each instance mirrors every instance's agent
// connections from a Redis log, so a routing pass checks thousands of members with one round trip.
// The mirror must follow connections opened and closed on other instances, an instance that
// crashed (its heartbeat stops) and a log it can no longer resume (trimmed or lost).
// Instance A processes no jobs: the test runs A's routing passes itself (`core.routing.route`).
import t from 'tap'
import { buildTestApp, testConnectorPlugin, startFakeProvider, createTestChannel, agentClient, until, type TestApp, type FakeProvider, type AgentClient } from '@openline/testing'
import { routingStrategiesPlugin } from './fixtures/routingPlugins.ts'
import { startRoutingChild } from './fixtures/routingChild.ts'
import { presenceKeys } from '../src/routing/presence.ts'

let a: TestApp
let provider: FakeProvider
let admin: AgentClient

t.before(async () => {
  provider = await startFakeProvider()
  a = await buildTestApp({ plugins: [testConnectorPlugin, routingStrategiesPlugin], config: { jobs: { process: false } } })
  admin = await a.login(a.admin.email, a.admin.password)
})
t.teardown(async () => { await a?.close(); await provider?.close() })

async function conversation (id: string): Promise<{ assigneeId: string | null, waitingReason: string | null }> {
  const res = await admin.query<any>('query($id: ID!) { conversation(id: $id) { assigneeId waitingReason } }', { id })
  return res.data.conversation
}

const onlineOnA = async (userId: string): Promise<boolean> => (await a.core.presence.online([userId])).has(userId)

t.test('connections on another instance, then that instance crashing, as instance A sees them', async (t) => {
  const agent = await a.createAgent()
  const oc = await createTestChannel(a, admin, provider, { name: 'Elsewhere', queue: { strategy: 'fixture-first', members: [{ userId: agent.id }], checkAvailability: true }, secret: 'presence-cache-1' })
  const first = (await oc.inbound('client-1')).conversationId
  await a.core.routing.route(oc.id)
  t.equal((await conversation(first)).waitingReason, 'noAgentsAvailable', 'nobody online (A has read presence once)')

  const other = await startRoutingChild({ databaseUrl: a.database.url, redisUrl: a.config.redisUrl, redisPrefix: a.config.redisPrefix })
  t.teardown(() => other.stop())
  const there = agentClient(other.url, agent.token)
  const sub = await there.subscribe('subscription { offerChanged { conversationId state } }')
  t.ok(await onlineOnA(agent.id), 'A sees the connection held by the other instance')
  // The other instance routes too (it runs jobs): the waiting conversation goes to the agent.
  await until('assigned once the agent is online', () => conversation(first), c => c.assigneeId === agent.id)

  sub.close()
  await there.close()
  await until('offline on A once the connection closed', () => onlineOnA(agent.id), online => !online)
  const again = agentClient(other.url, agent.token)
  await again.subscribe('subscription { offerChanged { state } }')
  t.ok(await onlineOnA(agent.id), 'online again')

  // The other instance dies without closing anything; its heartbeat then runs out.
  process.kill(other.pid, 'SIGKILL')
  await other.stop()
  t.ok(await onlineOnA(agent.id), 'until its heartbeat expires, its connections count')
  const hash = await a.core.redis.hgetall(a.core.redisKey(presenceKeys.connections))
  const dead = Object.values(hash).map(v => v.split(' ')).find(([userId]) => userId === agent.id)?.[1]
  t.ok(dead !== undefined, 'the dead instance still holds the connection in Redis')
  await a.core.redis.zadd(a.core.redisKey(presenceKeys.instances), Date.now() - 1, dead as string)
  t.notOk(await onlineOnA(agent.id), 'offline once the heartbeat expired')
  const second = (await oc.inbound('client-2')).conversationId
  await a.core.routing.route(oc.id)
  t.equal((await conversation(second)).waitingReason, 'noAgentsAvailable', 'and not offered anything')
  await again.close().catch(() => {})
})

t.test('a mirror that cannot resume the log rebuilds from the connections themselves', async (t) => {
  const agent = await a.createAgent()
  const oc = await createTestChannel(a, admin, provider, { name: 'Rebuilt', queue: { strategy: 'fixture-first', members: [{ userId: agent.id }], checkAvailability: true }, secret: 'presence-cache-2' })
  const sub = await agent.subscribe('subscription { offerChanged { conversationId state } }')
  t.ok(await onlineOnA(agent.id))

  // The log is gone (trimmed past this mirror, or Redis lost it): the next read starts over.
  await a.core.redis.del(a.core.redisKey(presenceKeys.log))
  const conv = (await oc.inbound('client-3')).conversationId
  await a.core.routing.route(oc.id)
  t.equal((await conversation(conv)).assigneeId, agent.id, 'still online after the rebuild')

  sub.close()
  await agent.close()
  await until('offline after disconnecting (read from the new log)', () => onlineOnA(agent.id), online => !online)
})
