// I2: the same person writing from two channels becomes one client by a manual merge; the merge
// can be undone and an identity split off again; no message ever moves or disappears.
import t from 'tap'
import { buildTestApp, startFakeProvider, testConnectorPlugin, createTestChannel, type TestApp, type FakeProvider, type AgentClient, type TestChannel } from '@openline/testing'
import { sql } from './fixtures/helpers.ts'

let h: TestApp
let provider: FakeProvider
let admin: AgentClient
let telegramLike: TestChannel
let widgetLike: TestChannel

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({ plugins: [testConnectorPlugin] })
  admin = await h.login(h.admin.email, h.admin.password)
  telegramLike = await createTestChannel(h, admin, provider, { name: 'Messenger A' })
  widgetLike = await createTestChannel(h, admin, provider, { name: 'Messenger B' })
})
t.teardown(async () => {
  await h?.close()
  await provider?.close()
})

async function ok<T = any> (client: AgentClient, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await client.query<T>(query, variables)
  if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
  return res.data as T
}
const clientOf = async (conversationId: string): Promise<string> => (await sql(h, 'select client_id::text from conversations where id = ?', [conversationId]))[0].client_id
const messageCount = async (): Promise<number> => (await sql(h, 'select count(*)::int as n from messages'))[0].n

t.test('merge, write again, undo, split', async (t) => {
  const a = await telegramLike.inbound('maria-a', 'hi from A')
  const b = await widgetLike.inbound('maria-b', 'hi from B')
  const [clientA, clientB] = [await clientOf(a.conversationId), await clientOf(b.conversationId)]
  t.not(clientA, clientB)
  await sql(h, "update clients set email = 'maria@example.com' where id = ?", [clientB])
  const messagesBefore = await messageCount()

  const { mergeClients: merge } = await ok(admin, 'mutation($s: ID!, $t: ID!) { mergeClients(sourceClientId: $s, targetClientId: $t) { id sourceClientId targetClientId identityIds undoneAt } }', { s: clientB, t: clientA })
  t.equal(merge.identityIds.length, 1)
  const merged = await ok(admin, 'query($id: ID!) { client(id: $id) { email identities { connector externalUserId } } }', { id: clientA })
  t.same(merged.client.identities.map((i: any) => i.externalUserId), ['maria-a', 'maria-b'])
  t.equal(merged.client.email, 'maria@example.com', 'gaps filled from the merged client')
  t.equal(await clientOf(b.conversationId), clientA, 'the conversation follows')
  const history = await ok(admin, 'query($c: ID!) { clientConversations(clientId: $c) { id } }', { c: clientA })
  t.same(history.clientConversations.map((c: any) => c.id).sort(), [a.conversationId, b.conversationId].sort(), 'one history')
  t.equal((await ok(admin, 'query($id: ID!) { client(id: $id) { mergedIntoId } }', { id: clientB })).client.mergedIntoId, clientA)

  const again = await widgetLike.inbound('maria-b', 'still me')
  t.equal(again.conversationId, b.conversationId)
  t.equal(again.clientId, clientA, 'new messages land on the merged client')

  const twice = await admin.query('mutation($s: ID!, $t: ID!) { mergeClients(sourceClientId: $s, targetClientId: $t) { id } }', { s: clientB, t: clientA })
  t.same(twice.errors?.[0].extensions?.fields, [{ path: '/sourceClientId', message: 'this client was already merged into another' }])

  const { undoClientMerge: undone } = await ok(admin, 'mutation($m: ID!) { undoClientMerge(mergeId: $m) { undoneAt } }', { m: merge.id })
  t.ok(undone.undoneAt !== null)
  t.equal(await clientOf(b.conversationId), clientB, 'back where it was')
  t.equal((await ok(admin, 'query($id: ID!) { client(id: $id) { email } }', { id: clientA })).client.email, null, 'the filled gap emptied again')
  const undoTwice = await admin.query('mutation($m: ID!) { undoClientMerge(mergeId: $m) { id } }', { m: merge.id })
  t.equal(undoTwice.errors?.[0].extensions?.code, 'OL_CONFLICT')

  await ok(admin, 'mutation($s: ID!, $t: ID!) { mergeClients(sourceClientId: $s, targetClientId: $t) { id } }', { s: clientB, t: clientA })
  const identities = (await ok(admin, 'query($id: ID!) { client(id: $id) { identities { id externalUserId } } }', { id: clientA })).client.identities
  const identityB = identities.find((i: any) => i.externalUserId === 'maria-b').id
  const { splitClientIdentity: split } = await ok(admin, 'mutation($i: ID!) { splitClientIdentity(identityId: $i) { id } }', { i: identityB })
  t.not(split.id, clientA)
  t.equal(await clientOf(b.conversationId), split.id, 'the split identity takes its conversations along')
  const last = await ok(admin, 'mutation($i: ID!) { splitClientIdentity(identityId: $i) { id } }', { i: identityB }).catch((err: Error) => err)
  t.match(String(last), /no other identity to keep/)
  t.equal(await messageCount(), messagesBefore + 1, 'no message lost or copied (one new message was written)')
})

t.test('only what the user may see; input checked', async (t) => {
  const agent = await h.createAgent()
  const a = await telegramLike.inbound('stranger-a', 'hello')
  const b = await widgetLike.inbound('stranger-b', 'hello')
  const res = await agent.query('mutation($s: ID!, $t: ID!) { mergeClients(sourceClientId: $s, targetClientId: $t) { id } }', { s: await clientOf(b.conversationId), t: await clientOf(a.conversationId) })
  t.equal(res.errors?.[0].extensions?.code, 'OL_VALIDATION')
  t.match(res.errors?.[0].extensions?.fields?.[0].message, 'no such client', 'clients the agent cannot see do not exist for them')
  t.equal((await agent.query('query($id: ID!) { client(id: $id) { id } }', { id: await clientOf(a.conversationId) })).data?.client, null)
  const self = await admin.query('mutation($s: ID!) { mergeClients(sourceClientId: $s, targetClientId: $s) { id } }', { s: await clientOf(a.conversationId) })
  t.same(self.errors?.[0].extensions?.fields, [{ path: '/targetClientId', message: 'a client cannot be merged into itself' }])
  const bad = await admin.query('mutation { mergeClients(sourceClientId: "x", targetClientId: "1") { id } }')
  t.equal(bad.errors?.[0].extensions?.code, 'OL_VALIDATION')
  const short = await admin.query('query { searchClients(query: "a") { id } }')
  t.same(short.errors?.[0].extensions?.fields?.[0].path, '/query')
})

t.test('search by name, e-mail or phone digits', async (t) => {
  const c = await telegramLike.inbound('search-me', 'hello')
  const id = await clientOf(c.conversationId)
  await sql(h, "update clients set name = 'Joana Prates', phone = '+351 912 345 678' where id = ?", [id])
  for (const query of ['joana', 'PRATES', '912345', '912 345 678']) {
    const res = await ok(admin, 'query($q: String!) { searchClients(query: $q) { id } }', { q: query })
    t.ok(res.searchClients.some((x: any) => x.id === id), `found by "${query}"`)
  }
  const none = await ok(admin, 'query { searchClients(query: "100%_") { id } }')
  t.same(none.searchClients, [], 'wildcards are literal')
})
