import t from 'tap'
import { routingScenario, untilEqual as until, type AgentClient } from '@openline/testing'
import plugin from '../src/index.ts'

// End to end through the core's router: everyone is offered, the first to answer owns it.

const s = routingScenario({ plugins: [plugin], secret: 'to-all-secret-1' })
const { channel, inbound, assigneeOf } = s
t.before(() => s.start())
t.teardown(() => s.close())

t.test('offered to every member at once; the first to answer owns it, the others are withdrawn', async (t) => {
  const agents = [await s.h.createAgent({ name: 'A' }), await s.h.createAgent({ name: 'B' }), await s.h.createAgent({ name: 'C' })]
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
