// Issue #6: with the ratings plugin loaded, the client's like/dislike shows on a conversation's KPI
// figures, and the statistics count likes, dislikes and the supervisors' mean stars per group like
// the conversations they belong to. (Without that plugin these fields stay null: figures.test.ts and
// statistics.test.ts run without it.)
import t from 'tap'
import { until } from '@openline/testing'
import ratingsPlugin from '../../ratings/src/index.ts'
import { figuresRead, kpiOf, startKpi, statementsWith, type Kpi } from './helpers.ts'

let k: Kpi
t.before(async () => { k = await startKpi(60_000, [ratingsPlugin]) })
t.teardown(async () => { await k?.close() })

const QUALITY = 'mutation ($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "quality", values: $v) { id } }'
const ASK = 'mutation ($id: ID!) { askForRating(conversationId: $id) { conversationId } }'
const STARS = 'mutation ($id: ID!, $s: Int!) { rateConversation(conversationId: $id, stars: $s) { conversationId } }'
const STATS = `query ($from: DateTime!, $to: DateTime!, $ag: ID, $by: KpiGroupBy, $tz: String) {
  kpiStatistics(from: $from, to: $to, agentId: $ag, groupBy: $by, timeZone: $tz) {
    total { ...F }
    groups { key figures { ...F } } } }
  fragment F on KpiFigures { conversations likes dislikes averageStars }`

async function must (client: Kpi['admin'], query: string, variables: Record<string, unknown>): Promise<any> {
  const res = await client.query(query, variables)
  if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
  return res.data
}

t.test('the client\'s rating on the figures: like, dislike, none; a whole page in one statement', async (t) => {
  const agent = await k.h.createAgent({ name: 'Rated Agent' })
  const ch = await k.channel('Rated', undefined, agent.id)
  await must(k.admin, QUALITY, { id: ch.id, v: { duringConversation: true } })
  const ids: Record<string, string> = {}
  // The test connector shows no buttons: the client types the answer (👍 or 1 likes, 👎 or 2 dislikes).
  for (const [name, answer] of [['liked', '👍'], ['disliked', '2'], ['unrated', null]] as const) {
    const { conversationId } = await ch.inbound(`rated-${name}`, 'hello')
    ids[name] = conversationId
    await until('assigned', () => kpiOf(k.admin, conversationId), c => c.assigneeId === agent.id)
    if (answer === null) continue
    await must(k.admin, ASK, { id: conversationId })
    await ch.inbound(`rated-${name}`, answer)
  }
  t.equal((await until('like', () => kpiOf(k.admin, ids.liked), c => c.kpi.rating !== null)).kpi.rating, 'like')
  t.equal((await until('dislike', () => kpiOf(k.admin, ids.disliked), c => c.kpi.rating !== null)).kpi.rating, 'dislike')
  t.equal((await kpiOf(k.admin, ids.unrated)).kpi.rating, null, 'not rated')
  t.equal((await kpiOf(agent, ids.liked)).kpi.rating, 'like', 'the assignee sees it too')

  const { result, count } = await statementsWith(k, figuresRead, () => k.admin.query('{ conversations(first: 50) { nodes { id kpi { rating responseCount } } } }'))
  t.notOk(result.errors, JSON.stringify(result.errors))
  const ratingOf = new Map((result.data.conversations.nodes as { id: string, kpi: { rating: string | null } }[]).map(n => [n.id, n.kpi.rating]))
  t.same([ratingOf.get(ids.liked), ratingOf.get(ids.disliked), ratingOf.get(ids.unrated)], ['like', 'dislike', null])
  t.equal(count, 1, 'figures and ratings of the page in one statement')

  // A rated conversation the kpi plugin has no row of (one older than the plugin) still shows its rating.
  // The row is deleted until a read is seen with the row absent before and after (late events may re-create it).
  const bare = await until('a read without the kpi row', async () => {
    await k.sql('delete from kpi_conversations where conversation_id = ?', [ids.liked])
    const read = await kpiOf(k.admin, ids.liked)
    return (await k.sql('select 1 from kpi_conversations where conversation_id = ?', [ids.liked])).length === 0 ? read : null
  }, read => read !== null)
  t.same(bare.kpi, { firstResponseSec: null, avgResponseSec: null, responseCount: 0, lateCount: 0, late: false, lateSince: null, waitingSince: null, resolved: false, rating: 'like' })
})

t.test('statistics: likes, dislikes and mean stars grouped like the conversations they belong to', async (t) => {
  const a1 = await k.h.createAgent({ name: 'Liked One' })
  const a2 = await k.h.createAgent({ name: 'Liked Two' })
  const ch1 = await k.channel('Ratings one')
  const ch2 = await k.channel('Ratings two')
  // channel, responsible agent, created, the client's rating, the supervisor's stars
  const plan: [typeof ch1, string | null, string, 'like' | 'dislike' | null, number | null][] = [
    [ch1, a1.id, '2025-03-03T10:00:00Z', 'like', 4],
    [ch1, a1.id, '2025-03-03T23:30:00Z', 'dislike', null],
    [ch1, a2.id, '2025-03-10T09:00:00Z', 'like', 2],
    [ch2, a2.id, '2025-03-20T12:00:00Z', null, 5],
    [ch2, null, '2025-03-25T12:00:00Z', 'like', null],
    [ch1, a1.id, '2025-04-02T08:00:00Z', 'dislike', 5],
    [ch2, a2.id, '2025-03-21T12:00:00Z', null, null]
  ]
  const ids: string[] = []
  for (const [i, [ch]] of plan.entries()) ids.push((await ch.inbound(`ratings-stats-${i}`)).conversationId)
  await until('rows for all seven', () => k.sql('select 1 from kpi_conversations where conversation_id = any(?::bigint[])', [`{${ids.join(',')}}`]), rows => rows.length === plan.length)
  for (const [i, [, agent, created, client, stars]] of plan.entries()) {
    await k.sql('update kpi_conversations set agent_id = ?, created_at = ?, waiting_since = null where conversation_id = ?', [agent, created, ids[i]])
    // Stars through the ratings plugin's API; the client's answer (a real flow is in the test above) as its row.
    if (stars !== null) await must(k.admin, STARS, { id: ids[i], s: stars })
    if (client !== null) {
      await k.sql(`insert into ratings_scores (conversation_id, client_value, client_source, client_rated_at) values (?, ?, 'text', ?)
                   on conflict (conversation_id) do update set client_value = excluded.client_value, client_source = excluded.client_source, client_rated_at = excluded.client_rated_at`,
      [ids[i], client, created])
    }
  }
  // An answer on the 4th (UTC), a day on which no conversation was created: a group without ratings.
  await k.sql(`insert into kpi_responses (message_id, conversation_id, open_channel_id, agent_id, kind, client_message_at, answered_at, seconds)
               values (9100000001, ?, ?, ?, 'first', '2025-03-04T00:00:00Z', '2025-03-04T00:01:00Z', 60)`, [ids[1], ch1.id, a1.id])

  const march = { from: '2025-03-01T00:00:00Z', to: '2025-04-01T00:00:00Z' }
  const stats = async (client: Kpi['admin'], vars: Record<string, unknown>): Promise<any> => (await must(client, STATS, { ...march, ...vars })).kpiStatistics
  const rows = (s: any): unknown[] => s.groups.map((g: any) => [g.key, g.figures.conversations, g.figures.likes, g.figures.dislikes, g.figures.averageStars])

  const total = await stats(k.admin, {})
  t.same(total.total, { conversations: 6, likes: 3, dislikes: 1, averageStars: 3.67 }, 'March: stars 4, 2 and 5')
  t.same((await stats(k.admin, { from: '2025-04-01T00:00:00Z', to: '2025-05-01T00:00:00Z' })).total, { conversations: 1, likes: 0, dislikes: 1, averageStars: 5 })
  t.same((await stats(k.admin, { from: '2025-05-01T00:00:00Z', to: '2025-06-01T00:00:00Z' })).total, { conversations: 0, likes: 0, dislikes: 0, averageStars: null }, 'nothing rated: zero, and no mean')

  t.same(rows(await stats(k.admin, { by: 'agent' })), [
    [a1.id, 2, 1, 1, 4], [a2.id, 3, 1, 0, 3.5], ['none', 1, 1, 0, null]
  ], 'by the responsible agent')
  t.same(rows(await stats(k.admin, { by: 'openChannel' })), [[ch1.id, 3, 2, 1, 3], [ch2.id, 3, 1, 0, 5]], 'by open channel')
  t.same(rows(await stats(k.admin, { by: 'day' })), [
    ['2025-03-03T00:00:00.000Z', 2, 1, 1, 4], ['2025-03-04T00:00:00.000Z', 0, 0, 0, null], ['2025-03-10T00:00:00.000Z', 1, 1, 0, 2],
    ['2025-03-20T00:00:00.000Z', 1, 0, 0, 5], ['2025-03-21T00:00:00.000Z', 1, 0, 0, null], ['2025-03-25T00:00:00.000Z', 1, 1, 0, null]
  ], 'by the day of creation; a day with answers only counts no ratings')
  // In Warsaw (UTC+1 in March) the dislike of 23:30 UTC on the 3rd belongs to the 4th.
  t.same(rows(await stats(k.admin, { by: 'day', tz: 'Europe/Warsaw' })).slice(0, 2), [['2025-03-02T23:00:00.000Z', 1, 1, 0, 4], ['2025-03-03T23:00:00.000Z', 1, 0, 1, null]])
  t.same(rows(await stats(k.admin, { by: 'month', from: '2025-02-01T00:00:00Z', to: '2025-05-01T00:00:00Z' })), [
    ['2025-03-01T00:00:00.000Z', 6, 3, 1, 3.67], ['2025-04-01T00:00:00.000Z', 1, 0, 1, 5]
  ])

  // An agent sees the ratings of their own conversations only.
  t.same((await stats(a1, {})).total, { conversations: 2, likes: 1, dislikes: 1, averageStars: 4 })
  t.same(rows(await stats(a2, { by: 'agent' })), [[a2.id, 3, 1, 0, 3.5]])
})
