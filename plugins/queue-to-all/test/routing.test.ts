import t from 'tap'
import { buildTestApp, testConnectorPlugin, startFakeProvider, createTestChannel, type TestApp, type FakeProvider, type AgentClient, type TestChannel } from '@openline/testing'
import plugin from '../src/index.ts'

// End to end through the core's router: everyone is offered, the first to answer owns it.

let h: TestApp
let provider: FakeProvider
let admin: AgentClient
const secret = 'to-all-secret-1'

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


t.test('offered to every member at once; the first to answer owns it, the others are withdrawn', async (t) => {
  const agents = [await h.createAgent({ name: 'A' }), await h.createAgent({ name: 'B' }), await h.createAgent({ name: 'C' })]
  const [a, b, c] = agents
  const subA = await a.subscribe('subscription { offerChanged { conversationId state } }')
  const oc = await channel('To all', { strategy: 'to-all', members: agents.map(x => ({ userId: x.id })), checkAvailability: false })
  const convId = await inbound(oc.connectionId, 'client-1')
  const offered = async (agent: AgentClient): Promise<string> => JSON.stringify((await agent.query<any>('{ myOffers { conversation { id } exclusive expiresAt } }')).data?.myOffers)
  const open = JSON.stringify([{ conversation: { id: convId }, exclusive: false, expiresAt: null }])
  for (const agent of agents) await until('offered to everyone', () => offered(agent), open)
  t.pass('all three see a shared offer without a deadline')
  t.same((await subA.next()).data?.offerChanged, { conversationId: convId, state: 'open' }, 'the offer is pushed')

  const answered = await b.query<any>('mutation($id: ID!) { answerConversation(id: $id) { assigneeId } }', { id: convId })
  t.equal(answered.data?.answerConversation?.assigneeId, b.id, 'b owns it')
  t.same((await subA.next()).data?.offerChanged, { conversationId: convId, state: 'withdrawn' }, 'a is told at once')
  t.equal(await offered(a), '[]', 'a has no offer left')
  t.equal(await offered(c), '[]', 'c has no offer left')
  const late = await c.query('mutation($id: ID!) { answerConversation(id: $id) { assigneeId } }', { id: convId })
  t.ok(late.errors !== undefined, 'too late for c')
  t.equal(await assigneeOf(convId), b.id, 'still b')
  subA.close()
})
