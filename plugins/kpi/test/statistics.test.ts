// H3 statistics on a hand-made data set: six real conversations in two open channels whose
// figures are set to known values for March 2025, so every count and percentile is exact.
// Percentiles are percentile_cont (linear interpolation between ranks).
import t from 'tap'
import { until } from '@openline/testing'
import { startKpi, type Kpi } from './helpers.ts'
import { percentileCont } from '../src/statistics.ts'

let k: Kpi
t.before(async () => { k = await startKpi(60_000) })
t.teardown(async () => { await k?.close() })

const STATS = `query ($from: DateTime!, $to: DateTime!, $oc: ID, $ag: ID, $by: KpiGroupBy, $tz: String) {
  kpiStatistics(from: $from, to: $to, openChannelId: $oc, agentId: $ag, groupBy: $by, timeZone: $tz) {
    groupBy timeZone
    total { ...F }
    groups { key periodStart agentId openChannelId name figures { ...F } } } }
  fragment F on KpiFigures { conversations answered resolved late resolvedShare responses firstResponseP50 firstResponseP90 responseP50 responseP90 likes dislikes averageStars }`

const march = { from: '2025-03-01T00:00:00Z', to: '2025-04-01T00:00:00Z' }

interface World { a1: Awaited<ReturnType<Kpi['h']['createAgent']>>, a2: Awaited<ReturnType<Kpi['h']['createAgent']>>, c1: string, c2: string }
let w: World

t.before(async () => {
  const a1 = await k.h.createAgent({ name: 'Alice One' })
  const a2 = await k.h.createAgent({ name: 'Bob Two' })
  const ch1 = await k.channel('Stats one')
  const ch2 = await k.channel('Stats two')
  const conversations: string[] = []
  for (const [i, ch] of [ch1, ch1, ch1, ch2, ch2, ch1].entries()) conversations.push((await ch.inbound(`stats-${i}`)).conversationId)
  await until('rows for all six', () => k.sql('select 1 from kpi_conversations where conversation_id = any(?::bigint[])', [`{${conversations.join(',')}}`]), rows => rows.length === 6)
  const [c1, c2, c3, c4, c5, c6] = conversations
  // conversation, responsible agent, created, first response (s), resolved, times late
  const figures: [string, string | null, string, number | null, boolean, number][] = [
    [c1, a1.id, '2025-03-03T10:00:00Z', 30, true, 0],
    [c2, a1.id, '2025-03-03T23:30:00Z', 90, false, 1],
    [c3, a2.id, '2025-03-10T09:00:00Z', 10, true, 0],
    [c4, a2.id, '2025-03-20T12:00:00Z', null, false, 1],
    [c5, null, '2025-03-25T12:00:00Z', null, false, 0],
    [c6, a1.id, '2025-04-02T08:00:00Z', 5, false, 0]
  ]
  for (const [id, agent, created, first, resolved, late] of figures) {
    await k.sql('update kpi_conversations set agent_id = ?, created_at = ?, first_response_sec = ?, resolved = ?, late_count = ?, waiting_since = null where conversation_id = ?', [agent, created, first, resolved, late, id])
  }
  // answer message id, conversation, agent, kind, answered at, seconds
  const answers: [number, string, string, string, string, number][] = [
    [1, c1, a1.id, 'first', '2025-03-03T10:00:30Z', 30],
    [2, c1, a1.id, 'later', '2025-03-03T11:00:00Z', 60],
    [3, c2, a1.id, 'first', '2025-03-04T00:01:00Z', 90],
    [4, c3, a2.id, 'first', '2025-03-10T09:00:10Z', 10],
    [5, c3, a2.id, 'later', '2025-03-10T10:00:00Z', 20],
    [6, c3, a1.id, 'later', '2025-03-11T10:00:00Z', 200],
    [7, c6, a1.id, 'first', '2025-04-02T08:00:05Z', 5]
  ]
  for (const [n, id, agent, kind, at, seconds] of answers) {
    const ch = id === c4 || id === c5 ? ch2 : ch1
    await k.sql(`insert into kpi_responses (message_id, conversation_id, open_channel_id, agent_id, kind, client_message_at, answered_at, seconds)
                 values (?, ?, ?, ?, ?, ?::timestamptz - make_interval(secs => ?), ?, ?)`, [9_000_000_000 + n, id, ch.id, agent, kind, at, seconds, at, seconds])
  }
  w = { a1, a2, c1: ch1.id, c2: ch2.id }
})

async function stats (client: Kpi['admin'], vars: Record<string, unknown>): Promise<any> {
  const res = await client.query(STATS, { ...march, ...vars })
  if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
  return res.data.kpiStatistics
}

const figures = (f: Partial<Record<string, unknown>>): Record<string, unknown> => ({
  conversations: 0, answered: 0, resolved: 0, late: 0, resolvedShare: null, responses: 0,
  // Without the ratings plugin (not loaded here) there are no likes, dislikes or stars to count.
  firstResponseP50: null, firstResponseP90: null, responseP50: null, responseP90: null, likes: null, dislikes: null, averageStars: null, ...f
})

t.test('a month in total: counts, shares and percentile_cont of first and all answers', async (t) => {
  const s = await stats(k.admin, {})
  // first answers 10, 30, 90; all answers 10, 20, 30, 60, 90, 200 (April's 5 s is outside)
  t.same(s.total, figures({
    conversations: 5, answered: 3, resolved: 2, late: 2, resolvedShare: 0.4, responses: 6,
    firstResponseP50: 30, firstResponseP90: 78, responseP50: 45, responseP90: 145
  }))
  t.same(s.groups, [], 'no grouping asked')
  const april = await stats(k.admin, { from: '2025-04-01T00:00:00Z', to: '2025-05-01T00:00:00Z' })
  t.same(april.total, figures({ conversations: 1, answered: 1, responses: 1, resolvedShare: 0, firstResponseP50: 5, firstResponseP90: 5, responseP50: 5, responseP90: 5 }))
})

t.test('grouped by agent and by open channel', async (t) => {
  const byAgent = await stats(k.admin, { by: 'agent' })
  t.same(byAgent.groups.map((g: any) => [g.key, g.agentId, g.name]), [[w.a1.id, w.a1.id, 'Alice One'], [w.a2.id, w.a2.id, 'Bob Two'], ['none', null, null]])
  // Alice: responsible for c1, c2; answered 30, 60, 90 and 200 (in Bob's conversation)
  t.same(byAgent.groups[0].figures, figures({ conversations: 2, answered: 2, resolved: 1, late: 1, resolvedShare: 0.5, responses: 4, firstResponseP50: 60, firstResponseP90: 84, responseP50: 75, responseP90: 167 }))
  t.same(byAgent.groups[1].figures, figures({ conversations: 2, answered: 1, resolved: 1, late: 1, resolvedShare: 0.5, responses: 2, firstResponseP50: 10, firstResponseP90: 10, responseP50: 15, responseP90: 19 }))
  t.same(byAgent.groups[2].figures, figures({ conversations: 1, resolvedShare: 0 }), 'the conversation nobody held')
  t.same(byAgent.total.conversations, 5, 'the total is still everything')

  const byChannel = await stats(k.admin, { by: 'openChannel' })
  t.same(byChannel.groups.map((g: any) => [g.openChannelId, g.name, g.figures.conversations, g.figures.responses]), [[w.c1, 'Stats one', 3, 6], [w.c2, 'Stats two', 2, 0]])
  const oneChannel = await stats(k.admin, { oc: w.c2 })
  t.same(oneChannel.total, figures({ conversations: 2, late: 1, resolvedShare: 0 }), 'one channel: no answers, no percentiles')
})

t.test('grouped by day in a time zone, by week and by month', async (t) => {
  const utc = await stats(k.admin, { by: 'day' })
  t.same(utc.groups.map((g: any) => [g.periodStart, g.figures.conversations, g.figures.responses]), [
    ['2025-03-03T00:00:00.000Z', 2, 2], ['2025-03-04T00:00:00.000Z', 0, 1], ['2025-03-10T00:00:00.000Z', 1, 2],
    ['2025-03-11T00:00:00.000Z', 0, 1], ['2025-03-20T00:00:00.000Z', 1, 0], ['2025-03-25T00:00:00.000Z', 1, 0]
  ])
  // In Warsaw (UTC+1 in March) the conversation of 23:30 UTC on the 3rd was created on the 4th.
  const warsaw = await stats(k.admin, { by: 'day', tz: 'Europe/Warsaw' })
  t.equal(warsaw.timeZone, 'Europe/Warsaw')
  t.same(warsaw.groups.slice(0, 2).map((g: any) => [g.key, g.figures.conversations, g.figures.responses]), [['2025-03-02T23:00:00.000Z', 1, 2], ['2025-03-03T23:00:00.000Z', 1, 1]])
  const weeks = await stats(k.admin, { by: 'week' })
  t.same(weeks.groups.map((g: any) => [g.periodStart, g.figures.conversations]), [['2025-03-03T00:00:00.000Z', 2], ['2025-03-10T00:00:00.000Z', 1], ['2025-03-17T00:00:00.000Z', 1], ['2025-03-24T00:00:00.000Z', 1]], 'weeks start on Monday')
  const months = await stats(k.admin, { by: 'month', from: '2025-02-01T00:00:00Z', to: '2025-05-01T00:00:00Z' })
  t.same(months.groups.map((g: any) => [g.periodStart, g.figures.conversations, g.figures.responses]), [['2025-03-01T00:00:00.000Z', 5, 6], ['2025-04-01T00:00:00.000Z', 1, 1]])
})

t.test('agents see their own figures; history scope all sees everyone', async (t) => {
  const own = await stats(w.a1, {})
  t.same(own.total, figures({ conversations: 2, answered: 2, resolved: 1, late: 1, resolvedShare: 0.5, responses: 4, firstResponseP50: 60, firstResponseP90: 84, responseP50: 75, responseP90: 167 }), 'no agent given: their own')
  t.same((await stats(w.a1, { ag: w.a1.id })).total, own.total)
  const byAgent = await stats(w.a2, { by: 'agent' })
  t.same(byAgent.groups.map((g: any) => g.agentId), [w.a2.id], 'grouped by agent: only themselves')
  const refused = await w.a1.query(STATS, { ...march, ag: w.a2.id })
  t.equal(refused.errors?.[0]?.extensions?.code, 'OL_FORBIDDEN', 'another agent\'s figures are refused')

  const supervisor = await k.h.createAgent({ role: 'supervisor' })
  t.same((await stats(supervisor, { ag: w.a2.id })).total.conversations, 2, 'a supervisor sees any agent')
  t.same((await stats(supervisor, {})).total.conversations, 5, 'and everyone')
  const anonymous = await k.h.agent().query(STATS, march)
  t.equal(anonymous.errors?.[0]?.extensions?.code, 'OL_UNAUTHENTICATED')
})

t.test('percentiles of the total (from a histogram) equal PostgreSQL\'s percentile_cont', async (t) => {
  let seed = 7
  const random = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
  for (const size of [1, 2, 3, 10, 101, 1000]) {
    const values = Array.from({ length: size }, () => Math.floor(random() * (size < 10 ? 5 : 300)))
    const counts = new Map<number, number>()
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
    const histogram = [...counts].sort((a, b) => a[0] - b[0])
    const [expected] = await k.sql<{ p: number[] }>('select percentile_cont(array[0.5, 0.9, 0.95, 0.1]) within group (order by v) as p from unnest(?::int[]) v', [`{${values.join(',')}}`])
    t.same([0.5, 0.9, 0.95, 0.1].map(p => percentileCont(histogram, p)), expected.p, `${size} values`)
  }
  t.equal(percentileCont([], 0.5), null)
})
