// Lateness end to end (H1, H2): durable timers started by client messages, stopped by public agent
// answers and by the close; the notification rendered from #OPERATOR# / #DIALOG#, stored per
// recipient and pushed on their own subscription. A settings minute lasts 1 s: a 60 s target is 1 s.
import t from 'tap'
import { until, untilEqual } from '@openline/testing'
import { ALERTS, CLOSE, REPLY, kpiOf, sleep, startKpi, type Kpi } from './helpers.ts'

const minuteMs = 1000
const targetMs = 1000
let k: Kpi

t.before(async () => { k = await startKpi(minuteMs) })
t.teardown(async () => { await k?.close() })

async function alertsOf (client: { query: Kpi['admin']['query'] }): Promise<any[]> {
  const res = await client.query(ALERTS, { first: 50 })
  if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
  return res.data.myKpiAlerts.nodes
}

async function firedTimers (conversationId: string): Promise<number> {
  const [row] = await k.sql<{ n: number }>('select count(*)::int as n from timers where key = ? and fired_at is not null', [`kpi:late:${conversationId}`])
  return row.n
}

t.test('first and later response targets: one alert per wait, cancelled by an answer, stopped by the close', async (t) => {
  const agent = await k.h.createAgent({ name: 'Ana Souza' })
  const supervisor = await k.h.createAgent({ role: 'supervisor', name: 'Sam Super' })
  const chosen = await k.h.createAgent({ name: 'Chosen Colleague' })
  const outsider = await k.h.createAgent({ name: 'Not Told' })
  const ch = await k.channel('KPI desk', {
    firstResponse: { enabled: true, targetSec: 60 },
    laterResponse: { enabled: true, targetSec: 60 },
    notify: {
      enabled: true,
      userIds: [chosen.id],
      supervisors: true,
      text: 'Late: #OPERATOR# in #DIALOG# ({{channelName}}, {{#if firstResponse}}first{{else}}later{{/if}}, {{target}})'
    }
  }, agent.id)
  const pushed = await supervisor.subscribe('subscription { kpiAlert { id conversationId kind agentId text } }')
  const outsiderPush = await outsider.subscribe('subscription { kpiAlert { id } }')

  const { conversationId: id } = await ch.inbound('late-1', 'Hello?')
  await until('assigned', () => kpiOf(k.admin, id), c => c.assigneeId === agent.id)
  const link = `${k.h.url}/plugins/console/#/conversations/${id}`

  const first = await pushed.next(8000)
  t.same(first.data?.kpiAlert, {
    id: first.data?.kpiAlert.id,
    conversationId: id,
    kind: 'first',
    agentId: agent.id,
    text: `Late: Ana Souza in #${id} (${link}) (KPI desk, first, 1 min)`
  }, 'the supervisor is told, with the agent\'s name, the number and the link')
  const late = await kpiOf(k.admin, id)
  t.equal(late.kpi.late, true, 'the conversation is marked late')
  t.equal(late.kpi.lateCount, 1)
  t.equal(late.kpi.firstResponseSec, null, 'not answered yet')
  t.ok(late.kpi.waitingSince !== null, 'the client is waiting')

  t.equal((await alertsOf(chosen)).length, 1, 'the chosen colleague has it too')
  t.equal((await alertsOf(k.admin)).length, 1, 'administrators see all history: supervisors')
  t.same(await alertsOf(outsider), [], 'an agent nobody chose gets nothing')
  t.same(await alertsOf(agent), [], 'the assignee is not told unless the settings say so')
  const [stored] = await alertsOf(supervisor)
  t.equal(stored.text, first.data?.kpiAlert.text, 'the alert is kept as rendered')
  t.equal(stored.readAt, null)

  // Fires once: another target's worth of time brings nothing new.
  await sleep(targetMs * 1.5)
  t.equal(await firedTimers(id), 1, 'one timer fired')
  t.equal((await kpiOf(k.admin, id)).kpi.lateCount, 1)
  t.equal((await alertsOf(supervisor)).length, 1)

  // The answer ends the wait: no longer late, the first response recorded.
  t.notOk((await agent.query(REPLY, { id, body: 'Sorry for the wait!' })).errors)
  const answered = await until('answer recorded', () => kpiOf(k.admin, id), c => c.kpi.responseCount === 1)
  t.equal(answered.kpi.late, false, 'not late any more')
  t.equal(answered.kpi.waitingSince, null)
  t.ok(answered.kpi.firstResponseSec >= 1, `first response took the time waited (${answered.kpi.firstResponseSec} s)`)
  t.equal(answered.kpi.avgResponseSec, answered.kpi.firstResponseSec)
  const [lateness] = await k.sql('select kind, answered_at, agent_id::text as agent from kpi_lateness where conversation_id = ?', [id])
  t.equal(lateness.kind, 'first')
  t.ok(lateness.answered_at !== null, 'the lateness row records when it was answered')
  t.equal(lateness.agent, agent.id)

  // A later wait answered in time: its timer is cancelled and nobody is told.
  await ch.inbound('late-1', 'One more thing')
  await until('later wait started', () => kpiOf(k.admin, id), c => c.kpi.waitingSince !== null)
  t.notOk((await agent.query(REPLY, { id, body: 'Sure' })).errors)
  await until('second answer recorded', () => kpiOf(k.admin, id), c => c.kpi.responseCount === 2 && c.kpi.waitingSince === null)
  await sleep(targetMs * 1.5)
  t.equal((await kpiOf(k.admin, id)).kpi.lateCount, 1, 'answered in time: not late')
  t.equal(await firedTimers(id), 1, 'the later timer never fired')
  t.equal((await alertsOf(supervisor)).length, 1)

  // A later wait left unanswered: the later-response alert.
  await ch.inbound('late-1', 'Hello again?')
  const second = await pushed.next(8000)
  t.equal(second.data?.kpiAlert.kind, 'later')
  t.equal(second.data?.kpiAlert.text, `Late: Ana Souza in #${id} (${link}) (KPI desk, later, 1 min)`)
  await untilEqual('late again', async () => (await kpiOf(k.admin, id)).kpi.lateCount, 2)
  t.same(outsiderPush.buffered(), [], 'nothing reached the outsider\'s subscription')

  // Closing stops the wait: no longer late, resolved (answered before the close).
  await ch.inbound('late-1', 'Still there?')
  t.equal((await agent.query(CLOSE, { id })).data?.closeConversation.status, 'closed')
  const closed = await until('closed figures', () => kpiOf(k.admin, id), c => c.kpi.resolved)
  t.equal(closed.kpi.late, false)
  t.equal(closed.kpi.waitingSince, null)
  const [pending] = await k.sql<{ n: number }>('select count(*)::int as n from timers where key = ? and fired_at is null and cancelled_at is null', [`kpi:late:${id}`])
  t.equal(pending.n, 0, 'no timer left')

  // Alerts read: only one's own.
  const ids = (await alertsOf(supervisor)).map(a => a.id)
  t.equal((await outsider.query('mutation ($ids: [ID!]!) { markKpiAlertsRead(ids: $ids) }', { ids })).data?.markKpiAlertsRead, 0, 'someone else\'s alerts stay unread')
  t.equal((await supervisor.query('mutation ($ids: [ID!]!) { markKpiAlertsRead(ids: $ids) }', { ids })).data?.markKpiAlertsRead, 2)
  t.same((await supervisor.query(ALERTS, { unread: true })).data?.myKpiAlerts.nodes, [], 'nothing unread')
  pushed.close()
  outsiderPush.close()
})

t.test('shipped text in the channel language, the assignee as recipient; lateness without notification', async (t) => {
  const agent = await k.h.createAgent({ name: 'Jan Kowalski' })
  const ch = await k.channel('Obsługa', { firstResponse: { enabled: true, targetSec: 60 }, notify: { enabled: true, assignee: true } }, agent.id)
  const res = await k.admin.query('mutation ($id: ID!) { setOpenChannelLanguage(id: $id, language: "pl") { id } }', { id: ch.id })
  t.notOk(res.errors)
  const { conversationId: id } = await ch.inbound('late-pl')
  const [alert] = await until('the assignee is told', () => alertsOf(agent), list => list.length === 1)
  t.equal(alert.text, `Spóźniona pierwsza odpowiedź w Obsługa: klient czeka dłużej niż 1 min. Konsultant: Jan Kowalski. Rozmowa #${id} (${k.h.url}/plugins/console/#/conversations/${id})`)

  const quiet = await k.channel('Quiet', { firstResponse: { enabled: true, targetSec: 30 } }, agent.id)
  const { conversationId: other } = await quiet.inbound('late-quiet')
  await untilEqual('late without telling anyone', async () => (await kpiOf(k.admin, other)).kpi.late, true)
  const [count] = await k.sql<{ n: number }>('select count(*)::int as n from kpi_alerts a join kpi_lateness l on l.id = a.lateness_id where l.conversation_id = ?', [other])
  t.equal(count.n, 0, 'notifications off: no alert')

  // Targets off: no timer at all.
  const off = await k.channel('No targets', undefined, agent.id)
  const { conversationId: untimed } = await off.inbound('late-off')
  await until('seen by the plugin', () => k.sql('select 1 from kpi_conversations where conversation_id = ? and waiting_since is not null', [untimed]), rows => rows.length === 1)
  t.same(await k.sql('select id from timers where key = ?', [`kpi:late:${untimed}`]), [], 'no timer scheduled')
})
