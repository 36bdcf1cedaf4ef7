import t from 'tap'
import { buildTestApp, testConnectorPlugin, startFakeProvider, createTestChannel, type TestApp, type FakeProvider, type AgentClient, type TestChannel } from '@openline/testing'
import plugin from '../src/index.ts'

// End to end through the core's router: assignments spread over agents, Skip to the next least loaded.

let h: TestApp
let provider: FakeProvider
let admin: AgentClient
const secret = 'evenly-secret-1'

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


t.test('new conversations spread evenly; Skip goes to the next least loaded', async (t) => {
  const [a, b, c] = [await h.createAgent({ name: 'A' }), await h.createAgent({ name: 'B' }), await h.createAgent({ name: 'C' })]
  const names = new Map([[a.id, 'a'], [b.id, 'b'], [c.id, 'c']])
  const oc = await channel('Evenly', {
    strategy: 'evenly',
    strategySettings: { idleTimeoutSec: 0 },
    members: [{ userId: a.id }, { userId: b.id }, { userId: c.id }],
    checkAvailability: false,
    limit: { enabled: true, maxConversations: 5 }
  })
  const order: string[] = []
  const conversations: string[] = []
  for (let i = 0; i < 6; i++) {
    const id = await inbound(oc.connectionId, `client-${i}`)
    conversations.push(id)
    await until(`conversation ${i} offered`, async () => (await assigneeOf(id)) !== null, true)
    order.push(names.get((await assigneeOf(id))!)!)
  }
  t.same(order, ['a', 'b', 'c', 'a', 'b', 'c'], 'least loaded first, then assigned longest ago')

  const offers = await a.query<any>('{ myOffers { exclusive expiresAt } }')
  t.same(offers.data?.myOffers, [{ exclusive: true, expiresAt: null }, { exclusive: true, expiresAt: null }], 'exclusive offers without a forwarding deadline (idle time 0)')

  // a skips its first: a now holds 1, b and c 2 each — but a declined it, so b (assigned longer ago than c).
  const first = conversations[0]
  const who = async (): Promise<string | undefined> => names.get((await assigneeOf(first)) ?? '')
  t.equal((await a.query('mutation($id: ID!) { skipConversation(id: $id) }', { id: first })).errors, undefined, 'a skips')
  await until('offered to b', who, 'b')
  t.equal((await b.query('mutation($id: ID!) { skipConversation(id: $id) }', { id: first })).errors, undefined, 'b skips')
  await until('offered to c, the only one not yet offered', who, 'c')
  t.equal((await c.query('mutation($id: ID!) { skipConversation(id: $id) }', { id: first })).errors, undefined, 'c skips')
  await until('everyone declined: back to a, offered longest ago', who, 'a')
  t.pass('a → b → c → a')
})
