import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import type { ConversationRecord, Offer, RoutingCandidate } from '@openline/sdk'
import plugin, { inOrderStrategy, inOrderSettings } from '../src/index.ts'

const conversation: ConversationRecord = {
  id: '1', openChannelId: '1', connectionId: '1', clientId: '1', clientIdentityId: '1', status: 'queued', assigneeId: null,
  pinnedUntil: null, createdAt: new Date(0), queuedAt: new Date(0), assignedAt: null, firstResponseAt: null,
  lastClientMessageAt: new Date(0), lastAgentMessageAt: null, closedAt: null, messageCount: 1
}

function candidate (userId: string, position: number, load = 0, limit: number | null = null, lastAssignedAt: Date | null = null): RoutingCandidate {
  return { userId, position, load, limit, lastAssignedAt }
}

async function offer (candidates: RoutingCandidate[], previousOffers: string[] = [], idleTimeoutSec = 180): Promise<Offer> {
  return inOrderStrategy.offer({ conversation, candidates, settings: { idleTimeoutSec }, previousOffers })
}

t.test('plugin shape', async (t) => {
  t.equal(plugin.name, 'queue-in-order')
  t.equal(plugin.version, '0.1.0')
  t.equal(plugin.core, '^0.1.0')
  t.same(plugin.provides?.queueStrategies?.map(s => s.id), ['in-order'])
  t.equal(plugin.provides?.queueStrategies?.[0], inOrderStrategy)
})

t.test('no candidates: the conversation waits', async (t) => {
  t.same(await offer([]), { agents: [], exclusive: true, idleTimeoutSec: 180 })
  t.same(await offer([], ['a']), { agents: [], exclusive: true, idleTimeoutSec: 180 })
})

t.test('the first in queue order, whatever the load or last assignment', async (t) => {
  const res = await offer([
    candidate('c', 2, 0, 5, null),
    candidate('a', 0, 4, 5, new Date()),
    candidate('b', 1, 0, 5, null)
  ], [], 60)
  t.same(res, { agents: ['a', 'b', 'c'], exclusive: true, idleTimeoutSec: 60 })
  const gaps = await offer([candidate('x', 7), candidate('y', 3), candidate('z', 3)])
  t.same(gaps.agents, ['y', 'z', 'x'], 'positions need not be dense; equal positions keep the core\'s order')
})

t.test('forwarding: the next one not yet offered, then wrap around', async (t) => {
  const pool = [candidate('a', 0), candidate('b', 1), candidate('c', 2), candidate('d', 3)]
  t.same((await offer(pool, ['a'])).agents, ['b', 'c', 'd', 'a'], 'a idle or skipped: b')
  t.same((await offer(pool, ['a', 'b'])).agents, ['c', 'd', 'a', 'b'])
  t.same((await offer(pool, ['a', 'b', 'c'])).agents, ['d', 'a', 'b', 'c'])
  t.same((await offer(pool, ['a', 'b', 'c', 'd'])).agents, ['a', 'b', 'c', 'd'], 'everyone offered: from the first again')
  t.same((await offer(pool, ['a', 'b', 'c', 'd', 'a'])).agents, ['b', 'c', 'd', 'a'], 'second round continues with b')
  t.same((await offer(pool, ['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd'])).agents[0], 'a', 'third round starts with a')
  // The queue changes between offers: whoever is now first and not yet offered gets it.
  t.same((await offer([candidate('a', 0), candidate('c', 2), candidate('d', 3)], ['a', 'b'])).agents, ['c', 'd', 'a'], 'b went offline')
  t.same((await offer([candidate('new', 0), ...pool.map((c) => ({ ...c, position: c.position + 1 }))], ['a', 'b'])).agents, ['new', 'c', 'd', 'a', 'b'], 'a newcomer at the top is offered first')
  t.same((await offer(pool, ['gone', 'a'])).agents, ['b', 'c', 'd', 'a'], 'former candidates in previousOffers are ignored')
})

t.test('a full cycle by simulation: every agent once per round, in order', async (t) => {
  const pool = Array.from({ length: 5 }, (_, i) => candidate(`u${i}`, i))
  const previous: string[] = []
  for (let i = 0; i < 15; i++) previous.push((await offer(pool, previous)).agents[0])
  t.same(previous, ['u0', 'u1', 'u2', 'u3', 'u4', 'u0', 'u1', 'u2', 'u3', 'u4', 'u0', 'u1', 'u2', 'u3', 'u4'])
})

t.test('idle timeout always set, stored settings or not', async (t) => {
  t.equal((await offer([candidate('a', 0)], [], 10)).idleTimeoutSec, 10)
  t.equal((await offer([candidate('a', 0)], [], 86400)).idleTimeoutSec, 86400)
  const raw = await inOrderStrategy.offer({ conversation, candidates: [candidate('a', 0)], settings: {} as { idleTimeoutSec: number }, previousOffers: [] })
  t.equal(raw.idleTimeoutSec, 180, 'missing setting: the default')
})

t.test('performance: 10 000 candidates', async (t) => {
  const pool = Array.from({ length: 10_000 }, (_, i) => candidate(`u${i}`, i, i % 5, 5))
  const shuffled = [...pool].reverse()
  const previous = pool.slice(0, 100).map(c => c.userId)
  for (const [label, list] of [['by position', pool], ['reversed', shuffled]] as const) {
    for (let i = 0; i < 5; i++) await offer(list, previous)
    const start = performance.now()
    for (let i = 0; i < 20; i++) await offer(list, previous)
    const perCall = (performance.now() - start) / 20
    t.ok(perCall < 50, `${label}: ${perCall.toFixed(2)} ms per offer`)
    const res = await offer(list, previous)
    t.equal(res.agents[0], 'u100')
    t.equal(new Set(res.agents).size, 10_000, 'every candidate exactly once')
  }
})

t.test('settings schema', async (t) => {
  t.same(Value.Default(inOrderSettings, {}), { idleTimeoutSec: 180 }, 'default 180 s')
  for (const good of [10, 11, 180, 3600, 86400]) t.ok(Value.Check(inOrderSettings, { idleTimeoutSec: good }), `${good} accepted`)
  for (const bad of [0, 1, 9, -1, -180, 86401, 1e9, 10.5, '180', null, false]) {
    t.notOk(Value.Check(inOrderSettings, { idleTimeoutSec: bad }), `${JSON.stringify(bad)} rejected`)
    const paths = [...Value.Errors(inOrderSettings, { idleTimeoutSec: bad })].map(e => e.path)
    t.ok(paths.length > 0 && paths.every(p => p === '/idleTimeoutSec'), `${JSON.stringify(bad)}: error on /idleTimeoutSec`)
  }
  t.match([...Value.Errors(inOrderSettings, { idleTimeoutSec: 5 })][0].message, /10/, 'the bound is named')
})
