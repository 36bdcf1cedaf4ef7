// H3: the KPI figures on conversations in the core's list: kept as messages come, read for a
// whole page with one SQL statement (counted at the database connection the app uses).
import t from 'tap'
import { until } from '@openline/testing'
import { REPLY, figuresRead, kpiOf, startKpi, statementsWith as countStatements, type Kpi } from './helpers.ts'

let k: Kpi
t.before(async () => { k = await startKpi(60_000) })
t.teardown(async () => { await k?.close() })

const LIST = `query ($after: String) { conversations(first: 50, after: $after) {
  nodes { id kpi { firstResponseSec avgResponseSec responseCount lateCount late waitingSince resolved rating } } nextCursor } }`

const statementsWith = <T>(marker: string, fn: () => Promise<T>): Promise<{ result: T, count: number }> => countStatements(k, marker, fn)

t.test('figures follow the conversation: waiting, answered, answered again, resolved', async (t) => {
  const agent = await k.h.createAgent({ name: 'Figures Agent' })
  const ch = await k.channel('Figures', undefined, agent.id)
  const { conversationId: id } = await ch.inbound('fig-1', 'first question')
  await ch.inbound('fig-1', 'and another one')
  const waiting = await until('waiting', () => kpiOf(k.admin, id), c => c.kpi.waitingSince !== null && c.assigneeId === agent.id)
  t.same({ ...waiting.kpi, waitingSince: null }, { firstResponseSec: null, avgResponseSec: null, responseCount: 0, lateCount: 0, late: false, lateSince: null, waitingSince: null, resolved: false, rating: null })
  const [firstClient] = await k.sql<{ at: Date }>("select date_trunc('milliseconds', min(created_at)) as at from messages where conversation_id = ? and author_kind = 'client'", [id])
  t.equal(new Date(waiting.kpi.waitingSince).getTime(), new Date(firstClient.at).getTime(), 'the wait runs from the first unanswered message')

  // An internal note and a second agent message are no answers; the public reply is.
  await agent.query('mutation ($id: ID!) { sendMessage(conversationId: $id, body: "note to self", internal: true) { id } }', { id })
  await agent.query(REPLY, { id, body: 'Answer' })
  await agent.query(REPLY, { id, body: 'And more' })
  const answered = await until('answered', () => kpiOf(k.admin, id), c => c.kpi.responseCount === 1 && c.kpi.waitingSince === null)
  t.ok(answered.kpi.firstResponseSec !== null && answered.kpi.firstResponseSec >= 0)

  await ch.inbound('fig-1', 'thanks, one more')
  await until('waiting again', () => kpiOf(k.admin, id), c => c.kpi.waitingSince !== null)
  await agent.query(REPLY, { id, body: 'Here you go' })
  const twice = await until('answered twice', () => kpiOf(k.admin, id), c => c.kpi.responseCount === 2)
  const responses = await k.sql<{ kind: string, seconds: number, agent: string }>('select kind, seconds, agent_id::text as agent from kpi_responses where conversation_id = ? order by answered_at', [id])
  t.same(responses.map(r => [r.kind, r.agent]), [['first', agent.id], ['later', agent.id]], 'one row per answer that ended a wait')
  t.equal(twice.kpi.avgResponseSec, Math.round((responses[0].seconds + responses[1].seconds) / 2 * 10) / 10)
  t.equal(twice.kpi.firstResponseSec, responses[0].seconds)

  await agent.query('mutation ($id: ID!) { closeConversation(id: $id) { status } }', { id })
  t.equal((await until('resolved', () => kpiOf(k.admin, id), c => c.kpi.resolved)).kpi.late, false)

  // Closed without any answer: not resolved.
  const { conversationId: unanswered } = await ch.inbound('fig-2')
  await until('assigned', () => kpiOf(k.admin, unanswered), c => c.assigneeId === agent.id)
  await agent.query('mutation ($id: ID!) { closeConversation(id: $id) { status } }', { id: unanswered })
  await until('closed seen', () => k.sql('select 1 from kpi_conversations where conversation_id = ? and closed_at is not null', [unanswered]), rows => rows.length === 1)
  t.equal((await kpiOf(k.admin, unanswered)).kpi.resolved, false, 'closed unanswered is not resolved')
})

t.test('a page of 50 conversations reads its figures with one statement', async (t) => {
  const ch = await k.channel('Many')
  const ids: string[] = []
  for (let i = 0; i < 55; i++) ids.push((await ch.inbound(`many-${i}`)).conversationId)
  // Answer every fifth, so the page mixes answered and waiting rows.
  const answered = ids.filter((_, i) => i % 5 === 0)
  for (const id of answered) await k.admin.query(REPLY, { id, body: 'Hello!' })
  const waiting = ids.filter(id => !answered.includes(id))
  await until('figures of all 55', () => k.sql<{ n: number }>(
    `select count(*)::int as n from kpi_conversations
      where (conversation_id = any(?::bigint[]) and response_count = 1 and waiting_since is null) or (conversation_id = any(?::bigint[]) and waiting_since is not null)`,
    [`{${answered.join(',')}}`, `{${waiting.join(',')}}`]), rows => rows[0].n === 55)

  const { result, count } = await statementsWith(figuresRead, () => k.admin.query(LIST, {}))
  t.notOk(result.errors, JSON.stringify(result.errors))
  const nodes = result.data.conversations.nodes as { id: string, kpi: any }[]
  t.equal(nodes.length, 50)
  t.equal(count, 1, 'one statement for the figures of 50 rows')
  const ours = nodes.filter(n => ids.includes(n.id))
  t.ok(ours.length >= 45, 'the page holds the new conversations')
  for (const node of ours) {
    const isAnswered = answered.includes(node.id)
    if (node.kpi.responseCount !== (isAnswered ? 1 : 0) || (node.kpi.waitingSince === null) !== isAnswered) t.fail(`figures of ${node.id}: ${JSON.stringify(node.kpi)}`)
  }
  t.pass(`figures of ${ours.length} rows match their conversations`)

  // The next page, and two requests at once: each request gets its own batch.
  const next = await statementsWith(figuresRead, () => Promise.all([
    k.admin.query(LIST, { after: result.data.conversations.nextCursor }),
    k.admin.query('{ conversations(first: 3) { nodes { id kpi { responseCount } } } }')
  ]))
  t.equal(next.count, 2, 'one statement per request')
  t.ok(next.result[0].data.conversations.nodes.length >= 5)
  t.equal(next.result[1].data.conversations.nodes.length, 3)
})

t.test('figures only where the conversation is visible (J1)', async (t) => {
  const owner = await k.h.createAgent({ name: 'Owner' })
  const stranger = await k.h.createAgent({ name: 'Stranger' })
  const ch = await k.channel('Private', undefined, owner.id)
  const { conversationId: id } = await ch.inbound('vis-1')
  await until('assigned', () => kpiOf(k.admin, id), c => c.assigneeId === owner.id)
  t.equal((await kpiOf(owner, id)).kpi.responseCount, 0, 'the assignee sees the figures')
  t.equal((await kpiOf(stranger, id)), null, 'someone else does not even see the conversation')
})
