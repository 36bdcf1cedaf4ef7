import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import type { ConversationRecord, Offer, RoutingCandidate } from '@openline/sdk'
import plugin, { evenlyStrategy, evenlySettings } from '../src/index.ts'

const conversation: ConversationRecord = {
  id: '1', openChannelId: '1', connectionId: '1', clientId: '1', clientIdentityId: '1', status: 'queued', assigneeId: null,
  pinnedUntil: null, createdAt: new Date(0), queuedAt: new Date(0), assignedAt: null, firstResponseAt: null,
  lastClientMessageAt: new Date(0), lastAgentMessageAt: null, closedAt: null, messageCount: 1
}

function candidate (userId: string, position: number, load = 0, limit: number | null = null, lastAssignedAt: Date | null = null): RoutingCandidate {
  return { userId, position, load, limit, lastAssignedAt }
}

async function offer (candidates: RoutingCandidate[], previousOffers: string[] = [], idleTimeoutSec = 0): Promise<Offer> {
  return evenlyStrategy.offer({ conversation, candidates, settings: { idleTimeoutSec }, previousOffers })
}

// Deterministic PRNG so the simulation is the same on every run.
function mulberry32 (seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6D2B79F5) | 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

t.test('plugin shape', async (t) => {
  t.equal(plugin.name, 'queue-evenly')
  t.equal(plugin.version, '0.1.0')
  t.equal(plugin.core, '^0.1.0')
  t.same(plugin.provides?.queueStrategies?.map(s => s.id), ['evenly'])
  t.equal(plugin.provides?.queueStrategies?.[0], evenlyStrategy)
})

t.test('no candidates: the conversation waits', async (t) => {
  t.same(await offer([]), { agents: [], exclusive: true })
  t.same(await offer([], ['a', 'b'], 60), { agents: [], exclusive: true, idleTimeoutSec: 60 })
})

t.test('least loaded first (plain load when nobody has a limit)', async (t) => {
  const res = await offer([candidate('a', 0, 3), candidate('b', 1, 1), candidate('c', 2, 2), candidate('d', 3, 0)])
  t.same(res, { agents: ['d', 'b', 'c', 'a'], exclusive: true })
})

t.test('load / limit when limits exist', async (t) => {
  // a: 2/4 = 0.5, b: 1/3 = 0.33, c: 3/10 = 0.3, d: 1/2 = 0.5
  const res = await offer([candidate('a', 0, 2, 4), candidate('b', 1, 1, 3), candidate('c', 2, 3, 10), candidate('d', 3, 1, 2)])
  t.same(res.agents, ['c', 'b', 'a', 'd'], 'ratio decides; equal ratios fall back to position')
  // Equal ratios written differently are equal (1/3 vs 2/6).
  const tie = await offer([candidate('x', 1, 2, 6), candidate('y', 0, 1, 3)])
  t.same(tie.agents, ['y', 'x'])
})

t.test('an agent without a limit counts as having the largest limit in the pool', async (t) => {
  // largest limit 10 → u: 4/10 = 0.4; a: 1/2 = 0.5; b: 3/10 = 0.3
  const res = await offer([candidate('a', 0, 1, 2), candidate('u', 1, 4, null), candidate('b', 2, 3, 10)])
  t.same(res.agents, ['b', 'u', 'a'])
  // A non-positive limit is treated like no limit rather than dividing by zero.
  // z: 2/4 = 0.5 (largest limit in the pool), a: 1/4 = 0.25
  const zero = await offer([candidate('z', 0, 2, 0), candidate('a', 1, 1, 4)])
  t.same(zero.agents, ['a', 'z'])
})

t.test('ties: assigned longest ago first (never assigned first), then queue position, then input order', async (t) => {
  const old = new Date('2024-01-01T00:00:00Z')
  const recent = new Date('2024-06-01T00:00:00Z')
  const res = await offer([
    candidate('recent', 0, 1, 5, recent),
    candidate('old', 1, 1, 5, old),
    candidate('never-late', 3, 1, 5, null),
    candidate('never-early', 2, 1, 5, null),
    candidate('busy', 4, 2, 5, null)
  ])
  t.same(res.agents, ['never-early', 'never-late', 'old', 'recent', 'busy'])
  const same = await offer([candidate('q', 5, 0), candidate('p', 5, 0)])
  t.same(same.agents, ['q', 'p'], 'equal in every key: the order the core gave')
  // A raw row's ISO string is understood too.
  const iso = await offer([candidate('s', 0, 0, null, '2024-06-01T00:00:00Z' as unknown as Date), candidate('d', 1, 0, null, old)])
  t.same(iso.agents, ['d', 's'])
})

t.test('previous offers: skipped agents go last, cycling when everybody was offered', async (t) => {
  const pool = [candidate('a', 0, 0), candidate('b', 1, 1), candidate('c', 2, 2)]
  t.same((await offer(pool, ['a'])).agents, ['b', 'c', 'a'], 'a skipped: the next least loaded')
  t.same((await offer(pool, ['a', 'b'])).agents, ['c', 'a', 'b'])
  t.same((await offer(pool, ['a', 'b', 'c'])).agents, ['a', 'b', 'c'], 'all offered: wrap around, offered longest ago first')
  t.same((await offer(pool, ['a', 'b', 'c', 'a'])).agents, ['b', 'c', 'a'], 'a re-offered last: b is next')
  t.same((await offer(pool, ['gone', 'c'])).agents, ['a', 'b', 'c'], 'someone no longer a candidate is ignored')
})

t.test('idle timeout: 0 = no forwarding deadline', async (t) => {
  const pool = [candidate('a', 0)]
  t.same(await offer(pool, [], 0), { agents: ['a'], exclusive: true })
  t.same(await offer(pool, [], 45), { agents: ['a'], exclusive: true, idleTimeoutSec: 45 })
})

t.test('fairness: round-robin over the least loaded when conversations close at once', async (t) => {
  const agents = Array.from({ length: 10 }, (_, i) => candidate(`u${i}`, i, 0, 3))
  const counts = new Map<string, number>()
  const sequence: string[] = []
  for (let step = 0; step < 1000; step++) {
    const res = await offer(agents.map(a => ({ ...a })))
    const chosen = agents.find(a => a.userId === res.agents[0])!
    chosen.lastAssignedAt = new Date(step * 1000)
    counts.set(chosen.userId, (counts.get(chosen.userId) ?? 0) + 1)
    sequence.push(chosen.userId)
  }
  t.same([...counts.values()], Array(10).fill(100), 'exactly 100 each')
  t.same(sequence.slice(0, 12), ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9', 'u0', 'u1'], 'in queue order, then round-robin')
})

t.test('fairness: 1 000 assignments with random closing, 10 agents with equal limits', async (t) => {
  const random = mulberry32(20240601)
  const limit = 4
  const agents = Array.from({ length: 10 }, (_, i) => ({ userId: `u${i}`, position: i, load: 0, limit, lastAssignedAt: null as Date | null }))
  const open: string[] = []
  const counts = new Map<string, number>(agents.map(a => [a.userId, 0]))
  let now = 0
  let overrun = 0
  for (let assigned = 0; assigned < 1000;) {
    now += 1000
    // Every open conversation closes with the same chance; nobody is favoured.
    for (let i = open.length - 1; i >= 0; i--) {
      if (random() < 0.3) {
        agents.find(a => a.userId === open[i])!.load--
        open.splice(i, 1)
      }
    }
    const candidates = agents.filter(a => a.load < a.limit).map(a => ({ ...a }))
    const res = await offer(candidates)
    if (res.agents.length === 0) continue // everybody at the limit: the conversation waits
    const chosen = agents.find(a => a.userId === res.agents[0])!
    if (chosen.load >= limit) overrun++
    chosen.load++
    chosen.lastAssignedAt = new Date(now)
    open.push(chosen.userId)
    counts.set(chosen.userId, counts.get(chosen.userId)! + 1)
    assigned++
  }
  const values = [...counts.values()]
  t.equal(values.reduce((a, b) => a + b, 0), 1000)
  t.equal(overrun, 0, 'only candidates (under their limit) are chosen')
  t.ok(values.every(v => v >= 95 && v <= 105), `each agent got 100 ± 5: ${values.join(', ')}`)
})

t.test('performance: one decision over 10 000 candidates stays cheap and O(n log n)', async (t) => {
  const random = mulberry32(7)
  const make = (n: number): RoutingCandidate[] => Array.from({ length: n }, (_, i) =>
    candidate(`u${i}`, i, Math.floor(random() * 5), 5, random() < 0.1 ? null : new Date(1_700_000_000_000 + Math.floor(random() * 1e9))))
  const big = make(10_000)
  const previous = big.slice(0, 100).map(c => c.userId)
  for (let i = 0; i < 5; i++) await offer(big, previous) // warm up
  const runs = 20
  const start = performance.now()
  for (let i = 0; i < runs; i++) await offer(big, previous)
  const perCall = (performance.now() - start) / runs
  t.ok(perCall < 50, `10 000 candidates: ${perCall.toFixed(2)} ms per offer`)
  const res = await offer(big, previous)
  t.equal(res.agents.length, 10_000)
  t.equal(new Set(res.agents).size, 10_000, 'every candidate exactly once')
})

t.test('settings schema', async (t) => {
  const errorsOf = (value: unknown): string[] => [...Value.Errors(evenlySettings, value)].map(e => e.path)
  t.same(Value.Default(evenlySettings, {}), { idleTimeoutSec: 0 }, 'default: off')
  for (const good of [0, 10, 60, 180, 86400]) t.ok(Value.Check(evenlySettings, { idleTimeoutSec: good }), `${good} accepted`)
  for (const bad of [1, 5, 9, -1, -60, 86401, 1e9, 10.5, '30', null, true]) {
    t.notOk(Value.Check(evenlySettings, { idleTimeoutSec: bad }), `${JSON.stringify(bad)} rejected`)
    t.ok(errorsOf({ idleTimeoutSec: bad }).length > 0 && errorsOf({ idleTimeoutSec: bad }).every(p => p === '/idleTimeoutSec'), `${JSON.stringify(bad)}: error on /idleTimeoutSec`)
  }
  const messages = [...Value.Errors(evenlySettings, { idleTimeoutSec: 90000 })].map(e => e.message)
  t.match(messages[0], /86400/, 'the bound is named')
  t.same(JSON.parse(JSON.stringify(evenlySettings)).properties.idleTimeoutSec.default, 0, 'plain JSON schema carries the default')
})
