import t from 'tap'
import { buildTestApp, testConnectorPlugin, startFakeProvider, createTestChannel, type TestApp, type FakeProvider, type AgentClient, type TestChannel } from '@openline/testing'
import plugin from '../src/index.ts'

// End to end through the core's router: offers, Skip and the wrap-around, with real agents.

let h: TestApp
let provider: FakeProvider
let admin: AgentClient
const secret = 'in-order-secret-1'

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({ plugins: [testConnectorPlugin, plugin], config: { jobs: { sweepIntervalMs: 300, process: true } } })
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

async function assigneeOf (id: string): Promise<string | null> {
  const res = await admin.query<any>('query($id: ID!) { conversation(id: $id) { assigneeId } }', { id })
  return res.data?.conversation?.assigneeId ?? null
}

async function until (what: string, fn: () => Promise<unknown>, expected: unknown, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms
  let last = await fn()
  while (last !== expected) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: got ${JSON.stringify(last)}`)
    await new Promise(resolve => setTimeout(resolve, 50))
    last = await fn()
  }
}

t.test('offered in queue order; Skip passes it on; after the last, back to the first', async (t) => {
  const [a, b, c] = [await h.createAgent({ name: 'A' }), await h.createAgent({ name: 'B' }), await h.createAgent({ name: 'C' })]
  const names = new Map([[a.id, 'a'], [b.id, 'b'], [c.id, 'c']])
  const oc = await channel('In order', { strategy: 'in-order', strategySettings: { idleTimeoutSec: 600 }, members: [{ userId: a.id }, { userId: b.id }, { userId: c.id }], checkAvailability: false })
  const convId = await inbound(oc.connectionId, 'client-1')
  const who = async (): Promise<string | undefined> => names.get((await assigneeOf(convId)) ?? '')
  await until('offered to a', who, 'a')
  const offers = await a.query<any>('{ myOffers { conversation { id } exclusive expiresAt } }')
  t.match(offers.data?.myOffers, [{ conversation: { id: convId }, exclusive: true }], 'an exclusive offer')
  const expiresIn = Date.parse(offers.data?.myOffers[0].expiresAt) - Date.now()
  t.ok(expiresIn > 500_000 && expiresIn <= 600_000, `expires after the idle time (${Math.round(expiresIn / 1000)} s)`)

  const steps: [AgentClient, string][] = [[a, 'b'], [b, 'c'], [c, 'a'], [a, 'b'], [b, 'c']]
  for (const [agent, next] of steps) {
    const skipped = await agent.query<any>('mutation($id: ID!) { skipConversation(id: $id) }', { id: convId })
    t.equal(skipped.errors, undefined, 'skipped')
    await until(`offered to ${next}`, who, next)
    t.pass(`then ${next}`)
  }
})
