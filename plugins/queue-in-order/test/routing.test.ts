import t from 'tap'
import { routingScenario, untilEqual as until, type AgentClient } from '@openline/testing'
import plugin from '../src/index.ts'

// End to end through the core's router: offers, Skip and the wrap-around, with real agents.

const s = routingScenario({ plugins: [plugin], secret: 'in-order-secret-1' })
const { channel, inbound, assigneeOf } = s
t.before(() => s.start())
t.teardown(() => s.close())

t.test('offered in queue order; Skip passes it on; after the last, back to the first', async (t) => {
  const [a, b, c] = [await s.h.createAgent({ name: 'A' }), await s.h.createAgent({ name: 'B' }), await s.h.createAgent({ name: 'C' })]
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
