// F3: supervisors rate any conversation with 1–5 stars and a comment; editable; validated with
// field errors; agents cannot; lists load every rating with one query; the console is told.
import t from 'tap'
import { buildTestApp, createTestChannel, startFakeProvider, testConnectorPlugin, type AgentClient, type FakeProvider, type TestApp, type TestChannel } from '@openline/testing'
import ratingsPlugin from '../src/index.ts'
import { perRequestBatch } from '@openline/sdk'
import { ratingFields, ratingOf } from './helpers.ts'

let h: TestApp
let provider: FakeProvider
let admin: AgentClient
let channel: TestChannel

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({ plugins: [testConnectorPlugin, ratingsPlugin] })
  admin = await h.login(h.admin.email, h.admin.password)
  channel = await createTestChannel(h, admin, provider, { name: 'Stars' })
})
t.teardown(async () => { await h?.close(); await provider?.close() })

const RATE = `mutation($id: ID!, $s: Int!, $c: String) { rateConversation(conversationId: $id, stars: $s, comment: $c) { ${ratingFields} } }`

t.test('a supervisor rates with stars and a comment, and may change it; author and time are kept', async (t) => {
  const { conversationId } = await channel.inbound('stars-1', 'hello')
  const first = await admin.query(RATE, { id: conversationId, s: 4, c: '  Polite and quick  ' })
  t.equal(first.errors, undefined, JSON.stringify(first.errors))
  t.match(first.data.rateConversation, { conversationId, client: null, askedAt: null, supervisor: { stars: 4, comment: 'Polite and quick', byUserId: h.admin.id, byName: 'Test Admin' } })
  const firstAt = new Date(first.data.rateConversation.supervisor.at).getTime()

  const supervisor = await h.createAgent({ role: 'supervisor', name: 'Sue Pervisor' })
  const pushes = await admin.subscribe(`subscription { conversationRated { ${ratingFields} } }`)
  const second = await supervisor.query(RATE, { id: conversationId, s: 2 })
  t.equal(second.errors, undefined, JSON.stringify(second.errors))
  t.match(second.data.rateConversation.supervisor, { stars: 2, comment: null, byUserId: supervisor.id, byName: 'Sue Pervisor' })
  t.ok(new Date(second.data.rateConversation.supervisor.at).getTime() >= firstAt)
  const pushed = await pushes.next(8000)
  t.match(pushed.data?.conversationRated, { conversationId, supervisor: { stars: 2, byName: 'Sue Pervisor' } }, 'the console hears of it')
  pushes.close()
  t.match((await ratingOf(admin, conversationId)).supervisor, { stars: 2, byName: 'Sue Pervisor' })
})

t.test('stars and comment are validated with field errors; nothing is stored', async (t) => {
  const { conversationId } = await channel.inbound('stars-2', 'hello')
  const cases: [number, string | null, string[]][] = [
    [0, null, ['/stars']],
    [6, null, ['/stars']],
    [3, 'x'.repeat(2001), ['/comment']],
    [-1, 'y'.repeat(5000), ['/stars', '/comment']]
  ]
  for (const [stars, comment, paths] of cases) {
    const res = await admin.query(RATE, { id: conversationId, s: stars, c: comment })
    t.equal(res.errors?.[0].extensions?.code, 'OL_VALIDATION', `${stars} stars, comment of ${comment?.length ?? 0}`)
    t.same(res.errors?.[0].extensions?.fields?.map((f: any) => f.path), paths)
  }
  t.equal(await ratingOf(admin, conversationId), null)
  const longest = await admin.query(RATE, { id: conversationId, s: 5, c: 'z'.repeat(2000) })
  t.equal(longest.errors, undefined, 'exactly 2000 characters is fine')
  const badId = await admin.query(RATE, { id: 'x1', s: 3 })
  t.same(badId.errors?.[0].extensions?.fields?.map((f: any) => f.path), ['/conversationId'])
  const unknown = await admin.query(RATE, { id: '999999999', s: 3 })
  t.equal(unknown.errors?.[0].extensions?.code, 'OL_NOT_FOUND')
})

t.test('an agent cannot give stars, even on their own conversation; anonymous callers are refused', async (t) => {
  const { conversationId } = await channel.inbound('stars-3', 'hello')
  const agent = await h.createAgent()
  const moved = await admin.query('mutation($id: ID!, $u: ID!) { transferConversation(id: $id, toUserId: $u) { assigneeId } }', { id: conversationId, u: agent.id })
  t.equal(moved.errors, undefined, JSON.stringify(moved.errors))
  const res = await agent.query(RATE, { id: conversationId, s: 5 })
  t.equal(res.errors?.[0].extensions?.code, 'OL_FORBIDDEN')
  t.equal(await ratingOf(admin, conversationId), null)
  const seen = await agent.query('query($id: ID!) { conversation(id: $id) { rating { supervisor { stars } } } }', { id: conversationId })
  t.same(seen.data.conversation, { rating: null }, 'the agent sees the (empty) rating of their conversation')
  const anonymous = await h.agent().query(RATE, { id: conversationId, s: 5 })
  t.equal(anonymous.errors?.[0].extensions?.code, 'OL_UNAUTHENTICATED')
})

t.test('the conversation list shows every rating', async (t) => {
  const ids: string[] = []
  for (let i = 0; i < 4; i++) ids.push((await channel.inbound(`list-${i}`, 'hello')).conversationId)
  for (const [i, id] of ids.slice(0, 3).entries()) await admin.query(RATE, { id, s: i + 1, c: `note ${i}` })
  const res = await admin.query('{ conversations(first: 50) { nodes { id rating { supervisor { stars comment } } } } }')
  t.equal(res.errors, undefined, JSON.stringify(res.errors))
  const byId = new Map<string, any>(res.data.conversations.nodes.map((n: any) => [n.id, n.rating]))
  t.same(ids.map(id => byId.get(id)), [
    { supervisor: { stars: 1, comment: 'note 0' } },
    { supervisor: { stars: 2, comment: 'note 1' } },
    { supervisor: { stars: 3, comment: 'note 2' } },
    null
  ])
})

t.test('the per-request batch loads the ids of one turn together, once', async (t) => {
  const calls: string[][] = []
  const load = perRequestBatch(async (ids) => { calls.push(ids); return new Map(ids.map(id => [id, `value ${id}`])) })
  const request = {}
  const other = {}
  const values = await Promise.all([load(request, '1'), load(request, '2'), load(request, '2'), load(other, '3')])
  t.same(values, ['value 1', 'value 2', 'value 2', 'value 3'])
  t.same(calls, [['1', '2'], ['3']], 'one load per request context, ids de-duplicated')
  t.equal(await load(request, '4'), 'value 4', 'a later turn starts a new batch')
  t.equal(calls.length, 3)
})
