// Issue #3, "Safe across instances": two app instances (child processes, each with its own event
// loop, bull workers and sweeper) on the same PostgreSQL and Redis. 200 conversations arrive at
// once, split over both instances; 10 agents with a limit of 3 each. No agent ever holds more than
// 3, no conversation is assigned twice, and the 170 waiting ones drain in arrival order as agents
// close conversations through both instances.
//
// Evidence is taken in PostgreSQL, not from the apps: a trigger installed by this test records
// every status/assignee change of a conversation (with a sequence number and the assignee's load
// as seen inside the changing transaction), and a sampler reads the loads repeatedly during the run.
import t from 'tap'
import { buildTestApp, testConnectorPlugin, startFakeProvider, agentClient, type TestApp, type FakeProvider, type AgentClient } from '@openline/testing'
import { routingStrategiesPlugin } from './fixtures/routingPlugins.ts'
import { startRoutingChild, type RoutingChild } from './fixtures/routingChild.ts'
import { sql, waitFor, webhook, connectTestChannel } from './fixtures/helpers.ts'

const agentsCount = 10
const limit = 3
const conversationsCount = 200
const capacity = agentsCount * limit
const counted = "('assigned', 'closing')"

let owner: TestApp
let provider: FakeProvider
let instances: RoutingChild[] = []
const clients: AgentClient[] = []

t.before(async () => {
  provider = await startFakeProvider()
  // The owner creates the database and seeds users; it processes no jobs, so all routing happens in the two instances.
  owner = await buildTestApp({ plugins: [testConnectorPlugin, routingStrategiesPlugin], config: { jobs: { process: false, sweepIntervalMs: 1000 } } })
  instances = await Promise.all([0, 1].map(() => startRoutingChild({ databaseUrl: owner.database.url, redisUrl: owner.config.redisUrl, redisPrefix: owner.config.redisPrefix, sweepMs: 300 })))
})
t.teardown(async () => {
  await Promise.allSettled(clients.map(c => c.close()))
  await Promise.allSettled(instances.map(i => i.stop()))
  await owner?.close()
  await provider?.close()
})

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function installAudit (): Promise<void> {
  await sql(owner, `create table routing_audit (
    seq bigserial primary key, at timestamptz not null default clock_timestamp(), conversation_id bigint not null,
    old_status text, new_status text, old_assignee bigint, new_assignee bigint, load int)`)
  // The load is counted inside the changing transaction (a volatile function's statement sees
  // everything committed before it plus its own transaction's changes).
  await sql(owner, `create function routing_audit_fn () returns trigger language plpgsql as $fn$
    begin
      insert into routing_audit (conversation_id, old_status, new_status, old_assignee, new_assignee, load)
      values (new.id, old.status, new.status, old.assignee_id, new.assignee_id,
        case when new.assignee_id is null then null else
          (select count(*) from conversations c where c.assignee_id = new.assignee_id and c.open_channel_id = new.open_channel_id and c.status in ${counted}) end);
      return null;
    end $fn$`)
  await sql(owner, `create trigger routing_audit after update on conversations for each row
    when (old.status is distinct from new.status or old.assignee_id is distinct from new.assignee_id) execute function routing_audit_fn()`)
}

/** Polls the per-agent load in the channel until stopped: the highest value seen, and how often it looked. */
function startSampler (openChannelId: string): { stop: () => Promise<{ max: number, samples: number, orphans: number }> } {
  let running = true
  let max = 0
  let samples = 0
  let orphans = 0
  const loop = (async () => {
    while (running) {
      const rows = await sql<{ n: number }>(owner, `select count(*)::int as n from conversations c where c.open_channel_id = ? and c.status in ${counted} group by c.assignee_id`, [openChannelId])
      for (const r of rows) max = Math.max(max, r.n)
      const [o] = await sql<{ n: number }>(owner, "select count(*)::int as n from conversations where open_channel_id = ? and status = 'assigned' and assignee_id is null", [openChannelId])
      orphans += o.n
      samples++
      await sleep(5)
    }
  })()
  return { stop: async () => { running = false; await loop; return { max, samples, orphans } } }
}

t.test('200 conversations at once over two instances: limits hold, nothing assigned twice, the waiting drain in arrival order', async (t) => {
  const [a, b] = instances
  const { admin, openChannelId, connectionId } = await connectTestChannel(owner, provider)
  const agents = await Promise.all(Array.from({ length: agentsCount }, () => owner.createAgent()))
  const saved = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "queue", values: $v) { id } }', {
    id: openChannelId,
    v: { strategy: 'fixture-least-loaded', members: agents.map(x => ({ userId: x.id })), checkAvailability: false, limit: { enabled: true, maxConversations: limit } }
  })
  t.equal(saved.errors, undefined, JSON.stringify(saved.errors))
  await installAudit()
  const sampler = startSampler(openChannelId)
  const started = Date.now()

  // The burst: every webhook at once, alternating between the two instances.
  const responses = await Promise.all(Array.from({ length: conversationsCount }, (_, i) =>
    webhook(i % 2 === 0 ? a.url : b.url, connectionId, { userId: `mi-client-${i}`, messageId: `mi-${i}`, text: `help ${i}` })))
  t.same(responses.filter(r => r.status !== 200).map(r => [r.status, r.body]), [], 'every webhook accepted')
  t.equal(new Set(responses.map(r => r.body.conversationId)).size, conversationsCount, '200 conversations opened')

  // Settled: every slot taken, the rest waits because everyone is busy.
  const settled = await waitFor('30 assigned and 170 waiting (allAgentsBusy)', async () => {
    const [s] = await sql<{ assigned: number, busy: number }>(owner, `select count(*) filter (where status = 'assigned')::int as assigned,
        count(*) filter (where status = 'queued' and waiting_reason = 'allAgentsBusy')::int as busy from conversations where open_channel_id = ?`, [openChannelId])
    return s.assigned === capacity && s.busy === conversationsCount - capacity ? s : undefined
  }, 20_000)
  t.same(settled, { assigned: capacity, busy: conversationsCount - capacity })
  const perAgent = await sql<{ n: number }>(owner, "select count(*)::int as n from conversations where open_channel_id = ? and status = 'assigned' group by assignee_id", [openChannelId])
  t.same(perAgent.map(r => r.n), Array(agentsCount).fill(limit), 'every agent holds exactly 3')
  const arrival = (await sql<{ id: string }>(owner, 'select c.id::text from conversations c where c.open_channel_id = ? order by c.queued_at, c.id', [openChannelId])).map(r => r.id)
  const waiting = new Set((await sql<{ id: string }>(owner, "select id::text from conversations where open_channel_id = ? and status = 'queued'", [openChannelId])).map(r => r.id))
  const burstAssigned = arrival.filter(id => !waiting.has(id))
  // Not asserted: while the burst is still committing, a pass cannot see an older conversation whose
  // insert has not committed yet. Once everything has arrived (the drain below) the order is strict.
  const oldestFirst = burstAssigned.every(id => arrival.indexOf(id) < capacity)
  t.comment(`burst settled in ${Date.now() - started} ms; the 30 assigned ${oldestFirst ? 'are' : 'are not all'} the 30 oldest`)

  // The drain: each agent closes their oldest conversation as soon as they have one, alternating
  // between the instances' GraphQL endpoints, until all 200 are closed.
  let closes = 0
  const closeErrors: unknown[] = []
  const deadline = Date.now() + 45_000
  await Promise.all(agents.map(async (agent, k) => {
    const viaInstance = [a, b].map(i => agentClient(i.url, agent.token))
    clients.push(...viaInstance)
    let turn = k
    while (Date.now() < deadline) {
      const [mine] = await sql<{ id: string }>(owner, "select c.id::text from conversations c where c.assignee_id = ? and c.status = 'assigned' order by c.assigned_at, c.id limit 1", [agent.id])
      if (mine === undefined) {
        const [left] = await sql<{ n: number }>(owner, "select count(*)::int as n from conversations where open_channel_id = ? and status <> 'closed'", [openChannelId])
        if (left.n === 0) return
        await sleep(20)
        continue
      }
      await sleep(Math.floor(Math.random() * 15))
      const res = await viaInstance[turn++ % 2].query('mutation($id: ID!) { closeConversation(id: $id) { id status } }', { id: mine.id })
      if (res.errors !== undefined || res.data?.closeConversation?.status !== 'closed') closeErrors.push(res.errors ?? res.data)
      else closes++
    }
  }))
  const stats = await sampler.stop()
  t.same(closeErrors, [], 'every close succeeded')
  t.equal(closes, conversationsCount, 'all 200 closed by their agents')
  t.comment(`drained in ${Date.now() - started} ms in all; ${stats.samples} load samples`)

  // 1. No agent ever above the limit: sampled, as counted inside each changing transaction, and replayed from the audit.
  t.ok(stats.samples > 50, `sampled the loads ${stats.samples} times during the run`)
  t.ok(stats.max <= limit, `highest sampled load ${stats.max}`)
  t.equal(stats.orphans, 0, 'never an assigned conversation without an assignee')
  const audit = await sql<{ seq: string, conversation_id: string, old_status: string, new_status: string, old_assignee: string | null, new_assignee: string | null, load: number | null }>(owner,
    'select a.seq::text, a.conversation_id::text, a.old_status, a.new_status, a.old_assignee::text, a.new_assignee::text, a.load from routing_audit a order by a.seq')
  const inTxMax = Math.max(...audit.filter(r => r.new_status === 'assigned').map(r => r.load ?? 0))
  t.ok(inTxMax <= limit, `highest load seen inside an assigning transaction: ${inTxMax}`)
  const held = new Map<string, Set<string>>()
  let replayMax = 0
  for (const r of audit) {
    if (r.old_assignee !== null && ['assigned', 'closing'].includes(r.old_status)) held.get(r.old_assignee)?.delete(r.conversation_id)
    if (r.new_assignee !== null && ['assigned', 'closing'].includes(r.new_status)) {
      const set = held.get(r.new_assignee) ?? new Set<string>()
      set.add(r.conversation_id)
      held.set(r.new_assignee, set)
      replayMax = Math.max(replayMax, set.size)
    }
  }
  t.equal(replayMax, limit, 'replaying every change in order: at most (and at some point exactly) 3 per agent')

  // 2. Nobody assigned twice: each conversation went queued → assigned → closed exactly once, with one offer to its one assignee.
  const transitions = new Map<string, string[]>()
  for (const r of audit) transitions.set(r.conversation_id, [...(transitions.get(r.conversation_id) ?? []), `${r.old_status}>${r.new_status}`])
  const odd = [...transitions].filter(([, steps]) => steps.join(',') !== 'queued>assigned,assigned>closed')
  t.equal(transitions.size, conversationsCount)
  t.same(odd, [], 'every conversation: assigned once, then closed')
  const offers = await sql<{ conversation_id: string, n: number, to_assignee: boolean }>(owner, `
    select o.conversation_id::text, count(*)::int as n, bool_and(o.user_id = c.assignee_id) as to_assignee
      from conversation_offers o join conversations c on c.id = o.conversation_id where c.open_channel_id = ? group by o.conversation_id, c.id`, [openChannelId])
  t.equal(offers.length, conversationsCount)
  t.same(offers.filter(o => o.n !== 1 || !o.to_assignee), [], 'one offer per conversation, to its assignee')

  // 3. The 170 that waited were assigned in arrival order (queued_at, id).
  const waitedInArrival = arrival.filter(id => waiting.has(id))
  const assignOrder = audit.filter(r => r.new_status === 'assigned' && waiting.has(r.conversation_id)).map(r => r.conversation_id)
  t.equal(assignOrder.length, conversationsCount - capacity)
  t.same(assignOrder, waitedInArrival, 'the waiting ones were assigned oldest first')
  const assignedAt = new Map((await sql<{ id: string, at: number }>(owner, 'select id::text, extract(epoch from assigned_at)::float8 * 1000 as at from conversations where open_channel_id = ?', [openChannelId])).map(r => [r.id, Number(r.at)]))
  const inversions = waitedInArrival.filter((id, i) => i > 0 && (assignedAt.get(id) as number) < (assignedAt.get(waitedInArrival[i - 1]) as number))
  t.same(inversions, [], 'assigned_at never decreases along the arrival order')
  t.ok(Date.now() - started < 60_000, 'within a minute')
})
