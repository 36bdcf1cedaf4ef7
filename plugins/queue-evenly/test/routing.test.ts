import t from 'tap'
import { routingScenario, untilEqual as until, type AgentClient } from '@openline/testing'
import plugin from '../src/index.ts'

// End to end through the core's router: assignments spread over agents, Skip to the next least loaded.

const s = routingScenario({ plugins: [plugin], secret: 'evenly-secret-1' })
const { channel, inbound, assigneeOf } = s
t.before(() => s.start())
t.teardown(() => s.close())

t.test('new conversations spread evenly; Skip goes to the next least loaded', async (t) => {
  const [a, b, c] = [await s.h.createAgent({ name: 'A' }), await s.h.createAgent({ name: 'B' }), await s.h.createAgent({ name: 'C' })]
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
