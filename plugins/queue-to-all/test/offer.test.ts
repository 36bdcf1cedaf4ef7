import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import type { ConversationRecord, Offer, RoutingCandidate } from '@openline/sdk'
import plugin, { toAllStrategy, toAllSettings } from '../src/index.ts'

const conversation: ConversationRecord = {
  id: '1', openChannelId: '1', connectionId: '1', clientId: '1', clientIdentityId: '1', status: 'queued', assigneeId: null,
  pinnedUntil: null, createdAt: new Date(0), queuedAt: new Date(0), assignedAt: null, firstResponseAt: null,
  lastClientMessageAt: new Date(0), lastAgentMessageAt: null, closedAt: null, messageCount: 1
}

function candidate (userId: string, position: number, load = 0, limit: number | null = null): RoutingCandidate {
  return { userId, position, load, limit, lastAssignedAt: null }
}

async function offer (candidates: RoutingCandidate[], previousOffers: string[] = []): Promise<Offer> {
  return toAllStrategy.offer({ conversation, candidates, settings: {}, previousOffers })
}

t.test('plugin shape', async (t) => {
  t.equal(plugin.name, 'queue-to-all')
  t.equal(plugin.version, '0.1.0')
  t.equal(plugin.core, '^0.1.0')
  t.same(plugin.provides?.queueStrategies?.map(s => s.id), ['to-all'])
  t.equal(plugin.provides?.queueStrategies?.[0], toAllStrategy)
})

t.test('no candidates: the conversation waits', async (t) => {
  t.same(await offer([]), { agents: [], exclusive: false })
})

t.test('everyone at once, by queue position, no idle forwarding', async (t) => {
  const res = await offer([candidate('c', 2, 3, 5), candidate('a', 0, 0, 5), candidate('b', 1, 1, null), candidate('b2', 1)])
  t.same(res, { agents: ['a', 'b', 'b2', 'c'], exclusive: false })
  t.notOk('idleTimeoutSec' in res, 'no forwarding deadline')
  const one = await offer([candidate('solo', 0)])
  t.same(one, { agents: ['solo'], exclusive: false })
})

t.test('previous offers do not shrink the audience', async (t) => {
  // Re-routing (someone came online) must show the conversation to everyone available again.
  const res = await offer([candidate('a', 0), candidate('b', 1)], ['a', 'b'])
  t.same(res.agents, ['a', 'b'])
})

t.test('performance: 10 000 candidates', async (t) => {
  const pool = Array.from({ length: 10_000 }, (_, i) => candidate(`u${i}`, i))
  for (const [label, list] of [['by position', pool], ['reversed', [...pool].reverse()]] as const) {
    for (let i = 0; i < 5; i++) await offer(list)
    const start = performance.now()
    for (let i = 0; i < 20; i++) await offer(list)
    const perCall = (performance.now() - start) / 20
    t.ok(perCall < 50, `${label}: ${perCall.toFixed(2)} ms per offer`)
    const res = await offer(list)
    t.equal(res.agents.length, 10_000)
    t.equal(res.agents[0], 'u0')
    t.equal(res.agents[9_999], 'u9999')
  }
})

t.test('settings schema: nothing to set', async (t) => {
  t.same(Value.Default(toAllSettings, {}), {})
  t.ok(Value.Check(toAllSettings, {}))
  t.notOk(Value.Check(toAllSettings, null), 'not an object')
  t.notOk(Value.Check(toAllSettings, []), 'not an array')
  t.same([...Value.Errors(toAllSettings, 'x')].map(e => e.path), [''])
})
