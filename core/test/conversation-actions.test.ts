// Issue #4, K2–K6 through the API alone: transfer (colleague / open channel), take over, spam,
// invite with and without history, silent mode, pin, rename, edit/delete reaching the provider,
// split, the Unanswered list and the client's history. No first-party plugin is loaded.
import t from 'tap'
import { buildTestApp, startFakeProvider, testConnectorPlugin, createTestChannel, type TestApp, type FakeProvider, type AgentClient, type TestChannel } from '@openline/testing'
import { definePlugin, type PluginContext } from '@openline/sdk'
import { sql, waitFor } from './fixtures/helpers.ts'

// What a CRM or an integration gets as the chat log (ctx.conversations.transcript).
const transcriptFixture = definePlugin({
  name: 'transcript-fixture',
  version: '0.1.0',
  core: '>=0.1.0',
  graphql: {
    agent: (ctx: PluginContext) => ({
      typeDefs: 'extend type Query { transcriptOf(id: ID!): String! }',
      resolvers: { Query: { transcriptOf: (_: unknown, args: { id: string }) => ctx.conversations.transcript(args.id) } }
    })
  }
})

let h: TestApp
let provider: FakeProvider
let admin: AgentClient
let channel: TestChannel
let ana: AgentClient & { id: string }
let bruno: AgentClient & { id: string }

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({ plugins: [testConnectorPlugin, transcriptFixture], config: { jobs: { sweepIntervalMs: 200 } } })
  admin = await h.login(h.admin.email, h.admin.password)
  channel = await createTestChannel(h, admin, provider, { name: 'Actions' })
  ana = await h.createAgent({ name: 'Ana Lima' })
  bruno = await h.createAgent({ name: 'Bruno Costa' })
})
t.teardown(async () => {
  await h?.close()
  await provider?.close()
})

const conversationFields = 'id status assigneeId openChannelId title silent pinnedUntil pinnedById connector preview awaitingReply closeReason participants { userId role seesHistory leftAt }'

async function ok<T = any> (client: AgentClient, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await client.query<T>(query, variables)
  if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
  return res.data as T
}

/** A conversation from a new client, handed by the admin to `agent`. */
async function conversationFor (agent: { id: string }, client: string, text = 'hello'): Promise<string> {
  const { conversationId } = await channel.inbound(client, text)
  await ok(admin, 'mutation($id: ID!, $u: ID!) { transferConversation(id: $id, toUserId: $u) { id } }', { id: conversationId, u: agent.id })
  return conversationId
}

const send = (client: AgentClient, conversationId: string, body: string, internal = false): Promise<{ sendMessage: { id: string, visibility: string } }> =>
  ok(client, 'mutation($c: ID!, $b: String!, $i: Boolean) { sendMessage(conversationId: $c, body: $b, internal: $i) { id visibility } }', { c: conversationId, b: body, i: internal })

t.test('transfer to a colleague: they own it, see the whole history, the previous agent stays an observer', async (t) => {
  const id = await conversationFor(ana, 'client-transfer', 'my order is late')
  await send(ana, id, 'Let me check', false)
  const events = await bruno.subscribe('subscription { offerChanged { conversationId userId state } }')
  const { transferConversation: moved } = await ok(ana, `mutation($id: ID!, $u: ID!) { transferConversation(id: $id, toUserId: $u, comment: "billing question") { ${conversationFields} } }`, { id, u: bruno.id })
  t.equal(moved.assigneeId, bruno.id)
  t.equal(moved.status, 'assigned')
  t.equal(moved.connector, 'test', 'K7: the channel mark')
  t.same(moved.participants.map((p: any) => [p.userId, p.role, p.leftAt === null]), [[ana.id, 'observer', false], [bruno.id, 'assignee', true]])
  const pushed = await events.next()
  t.same(pushed.data?.offerChanged, { conversationId: id, userId: bruno.id, state: 'accepted' }, 'the new owner is told at once')
  const { messages } = await ok(bruno, 'query($c: ID!) { messages(conversationId: $c) { nodes { body authorKind visibility authorName } } }', { c: id })
  t.same(messages.nodes.map((m: any) => m.body), ['my order is late', 'Test Admin gave the conversation to Ana Lima', 'Let me check', 'Ana Lima transferred the conversation from Ana Lima to Bruno Costa: billing question'])
  t.equal(messages.nodes[2].authorName, 'Ana Lima')
  t.equal(messages.nodes[3].visibility, 'internal', 'the transfer note is for staff only')
  t.equal(provider.sent().filter(s => s.text.includes('transferred')).length, 0, 'the client never gets the note')
  const again = await ana.query('mutation($id: ID!, $u: ID!) { transferConversation(id: $id, toUserId: $u) { id } }', { id, u: ana.id })
  t.equal(again.errors?.[0].extensions?.code, 'OL_FORBIDDEN', 'the former owner can no longer transfer it')
})

t.test('transfer input is validated', async (t) => {
  const id = await conversationFor(ana, 'client-transfer-bad')
  const neither = await ana.query('mutation($id: ID!) { transferConversation(id: $id) { id } }', { id })
  t.equal(neither.errors?.[0].extensions?.code, 'OL_VALIDATION')
  const both = await ana.query('mutation($id: ID!, $u: ID!) { transferConversation(id: $id, toUserId: $u, toOpenChannelId: $u) { id } }', { id, u: bruno.id })
  t.equal(both.errors?.[0].extensions?.code, 'OL_VALIDATION')
  const nobody = await ana.query('mutation($id: ID!) { transferConversation(id: $id, toUserId: "999999") { id } }', { id })
  t.same(nobody.errors?.[0].extensions?.fields, [{ path: '/toUserId', message: 'no active user with this id' }])
  const stranger = await bruno.query('mutation($id: ID!, $u: ID!) { transferConversation(id: $id, toUserId: $u) { id } }', { id, u: bruno.id })
  t.equal(stranger.errors?.[0].extensions?.code, 'OL_NOT_FOUND', 'someone who cannot see it learns nothing')
})

t.test('transfer to another open channel: queued there, and the client\'s next message lands in the same conversation', async (t) => {
  const other = await ok(admin, 'mutation { createOpenChannel(input: { name: "Second line" }) { id } }')
  const id = await conversationFor(ana, 'client-move')
  const { transferConversation: moved } = await ok(ana, `mutation($id: ID!, $o: ID!) { transferConversation(id: $id, toOpenChannelId: $o) { ${conversationFields} } }`, { id, o: other.createOpenChannel.id })
  t.equal(moved.openChannelId, other.createOpenChannel.id)
  t.equal(moved.status, 'queued')
  t.equal(moved.assigneeId, null)
  const next = await channel.inbound('client-move', 'still there?')
  t.equal(next.conversationId, id, 'found by identity, whatever open channel it is in now')
  t.equal(next.conversationOpened, false)
  const same = await ana.query('mutation($id: ID!, $o: ID!) { transferConversation(id: $id, toOpenChannelId: $o) { id } }', { id, o: other.createOpenChannel.id })
  t.ok(same.errors !== undefined, 'a conversation it no longer owns cannot be moved by Ana')
})

t.test('take over from another agent', async (t) => {
  const id = await conversationFor(ana, 'client-takeover')
  const { takeOverConversation: taken } = await ok(admin, `mutation($id: ID!) { takeOverConversation(id: $id) { ${conversationFields} } }`, { id })
  t.equal(taken.assigneeId, h.admin.id)
  const refused = await bruno.query('mutation($id: ID!) { takeOverConversation(id: $id) { id } }', { id })
  t.equal(refused.errors?.[0].extensions?.code, 'OL_NOT_FOUND', 'an agent cannot take what they cannot see')
})

t.test('spam: closed at once with no text to the client; the client can write again', async (t) => {
  const id = await conversationFor(ana, 'client-spam', 'buy cheap watches')
  const { markConversationSpam: closed } = await ok(ana, `mutation($id: ID!) { markConversationSpam(id: $id) { ${conversationFields} } }`, { id })
  t.equal(closed.status, 'closed')
  t.equal(closed.closeReason, 'spam')
  const next = await channel.inbound('client-spam', 'hello again')
  t.not(next.conversationId, id)
  t.equal(next.conversationOpened, true)
})

t.test('invite with and without history; leave', async (t) => {
  const id = await conversationFor(ana, 'client-invite', 'first question')
  await send(ana, id, 'answer before the invitation')
  await ok(ana, 'mutation($id: ID!, $u: ID!) { inviteToConversation(id: $id, userId: $u, withHistory: false) { id } }', { id, u: bruno.id })
  await send(ana, id, 'after the invitation')
  const seen = await ok(bruno, 'query($c: ID!) { messages(conversationId: $c) { nodes { body } } }', { c: id })
  t.same(seen.messages.nodes.map((m: any) => m.body), ['Ana Lima invited Bruno Costa (without the history)', 'after the invitation'], 'only what was written since joining')
  const all = await ok(ana, 'query($c: ID!) { messages(conversationId: $c) { nodes { body } } }', { c: id })
  t.equal(all.messages.nodes.length, 5, 'the owner sees everything')
  t.equal((await ok(bruno, 'mutation($id: ID!) { leaveConversation(id: $id) }', { id })).leaveConversation, true)
  const twice = await bruno.query('mutation($id: ID!) { leaveConversation(id: $id) }', { id })
  t.equal(twice.errors?.[0].extensions?.code, 'OL_CONFLICT')
  const id2 = await conversationFor(ana, 'client-invite-2', 'question two')
  await ok(ana, 'mutation($id: ID!, $u: ID!) { inviteToConversation(id: $id, userId: $u) { id } }', { id: id2, u: bruno.id })
  const full = await ok(bruno, 'query($c: ID!) { messages(conversationId: $c) { nodes { body } } }', { c: id2 })
  t.equal(full.messages.nodes[0].body, 'question two', 'with history: everything')
})

t.test('silent mode: staff messages stay internal and are never delivered', async (t) => {
  const id = await conversationFor(ana, 'client-silent')
  await ok(ana, 'mutation($id: ID!) { setConversationSilent(id: $id, silent: true) { silent } }', { id })
  const { sendMessage } = await send(ana, id, 'only colleagues read this')
  t.equal(sendMessage.visibility, 'internal')
  await ok(ana, 'mutation($id: ID!) { setConversationSilent(id: $id, silent: false) { silent } }', { id })
  await send(ana, id, 'the client reads this')
  await waitFor('the provider', async () => provider.sent().some(s => s.text === 'the client reads this'))
  t.equal(provider.sent().filter(s => s.text === 'only colleagues read this').length, 0)
  const [{ n }] = await sql(h, 'select count(*)::int as n from outbox o join messages m on m.id = o.message_id where m.id = ?', [sendMessage.id])
  t.equal(n, 0, 'no outbox row at all for the silent message')
})

t.test('pin (lock as mine), unpin and rename, validated', async (t) => {
  const id = await conversationFor(ana, 'client-pin')
  const { pinConversation: pinned } = await ok(ana, `mutation($id: ID!) { pinConversation(id: $id, minutes: 90) { ${conversationFields} } }`, { id })
  t.equal(pinned.pinnedById, ana.id)
  const minutes = (new Date(pinned.pinnedUntil).getTime() - Date.now()) / 60_000
  t.ok(minutes > 88 && minutes <= 90, `pinned for about 90 minutes (${minutes.toFixed(1)})`)
  for (const bad of [0, -5, 7 * 24 * 60 + 1]) {
    const res = await ana.query('mutation($id: ID!, $m: Int!) { pinConversation(id: $id, minutes: $m) { id } }', { id, m: bad })
    t.same(res.errors?.[0].extensions?.fields?.[0].path, '/minutes', `${bad} minutes refused`)
  }
  const { unpinConversation: unpinned } = await ok(ana, 'mutation($id: ID!) { unpinConversation(id: $id) { pinnedUntil pinnedById } }', { id })
  t.same(unpinned, { pinnedUntil: null, pinnedById: null })
  const { renameConversation: renamed } = await ok(ana, 'mutation($id: ID!) { renameConversation(id: $id, title: "  Refund #12  ") { title } }', { id })
  t.equal(renamed.title, 'Refund #12')
  const empty = await ana.query('mutation($id: ID!) { renameConversation(id: $id, title: "   ") { title } }', { id })
  t.same(empty.errors?.[0].extensions?.fields, [{ path: '/title', message: 'must not be empty' }])
})

t.test('edit and delete reach the provider through the outbox; only your own messages', async (t) => {
  const id = await conversationFor(ana, 'client-edit')
  const { sendMessage } = await send(ana, id, 'Your ordr ships today')
  await waitFor('the provider', async () => (await sql(h, 'select external_id from messages where id = ?', [sendMessage.id]))[0].external_id !== null)
  const changes = await admin.subscribe('subscription($c: ID) { messageChanged(conversationId: $c) { id body editedAt deletedAt } }', { c: id })
  const { editMessage } = await ok(ana, 'mutation($id: ID!) { editMessage(id: $id, body: "Your order ships today") { body editedAt } }', { id: sendMessage.id })
  t.equal(editMessage.body, 'Your order ships today')
  t.ok(editMessage.editedAt !== null)
  t.equal((await changes.next()).data?.messageChanged.body, 'Your order ships today', 'staff see the edit live')
  await waitFor('the provider', async () => provider.changes().some(c => c.action === 'edit' && c.text === 'Your order ships today'))
  const notMine = await bruno.query('mutation($id: ID!) { editMessage(id: $id, body: "x") { id } }', { id: sendMessage.id })
  t.equal(notMine.errors?.[0].extensions?.code, 'OL_NOT_FOUND', 'Bruno cannot even see it')
  const adminEdit = await admin.query('mutation($id: ID!) { editMessage(id: $id, body: "x") { id } }', { id: sendMessage.id })
  t.equal(adminEdit.errors?.[0].extensions?.code, 'OL_FORBIDDEN', 'a supervisor cannot put words in an agent\'s mouth')
  const { deleteMessage } = await ok(ana, 'mutation($id: ID!) { deleteMessage(id: $id) { deletedAt } }', { id: sendMessage.id })
  t.ok(deleteMessage.deletedAt !== null)
  await waitFor('the provider', async () => provider.changes().some(c => c.action === 'delete'))
  const external = (await sql(h, 'select external_id from messages where id = ?', [sendMessage.id]))[0].external_id
  t.same(provider.changes().filter(c => c.id === external).map(c => c.action), ['edit', 'delete'], 'one edit and one delete, each once')
  const editDeleted = await ana.query('mutation($id: ID!) { editMessage(id: $id, body: "again") { id } }', { id: sendMessage.id })
  t.equal(editDeleted.errors?.[0].extensions?.code, 'OL_CONFLICT')
})

t.test('mentions: colleagues keep the markup, the client gets the name', async (t) => {
  const id = await conversationFor(ana, 'client-mention')
  await send(ana, id, `Ask @[Bruno Costa](user:${bruno.id}) about #[the refund](conversation:1)`)
  await waitFor('the provider', async () => provider.sent().some(s => s.text === 'Ask Bruno Costa about the refund'))
  const { messages } = await ok(ana, 'query($c: ID!) { messages(conversationId: $c) { nodes { body } } }', { c: id })
  t.match(messages.nodes[2].body, /@\[Bruno Costa\]\(user:\d+\)/)
})

t.test('split: the conversation closes and a new one continues from the chosen message', async (t) => {
  const id = await conversationFor(ana, 'client-split', 'about order A')
  await send(ana, id, 'A is on its way')
  const second = await channel.inbound('client-split', 'and a new question about B')
  await send(ana, id, 'B: let me look')
  const { splitConversationAt: next } = await ok(ana, `mutation($m: ID!) { splitConversationAt(messageId: $m) { ${conversationFields} } }`, { m: second.messageId })
  t.not(next.id, id)
  t.equal(next.assigneeId, ana.id)
  const bodies = async (c: string): Promise<string[]> => (await ok(ana, 'query($c: ID!) { messages(conversationId: $c) { nodes { body authorKind } } }', { c })).messages.nodes.filter((m: any) => m.authorKind !== 'system').map((m: any) => m.body)
  t.same((await bodies(id)).slice(0, 2), ['about order A', 'A is on its way'])
  t.same((await bodies(next.id)).slice(0, 2), ['and a new question about B', 'B: let me look'])
  const old = await ok(ana, 'query($id: ID!) { conversation(id: $id) { status closeReason } }', { id })
  t.same(old.conversation, { status: 'closed', closeReason: 'split' })
  const following = await channel.inbound('client-split', 'thanks')
  t.equal(following.conversationId, next.id, 'the client continues in the new one')
  const atStart = await ana.query('mutation($m: ID!) { splitConversationAt(messageId: $m) { id } }', { m: second.messageId })
  t.same(atStart.errors?.[0].extensions?.fields, [{ path: '/messageId', message: 'the conversation already starts with this message' }])
})

t.test('Unanswered (K1) and the client\'s history', async (t) => {
  const first = await conversationFor(ana, 'client-k1', 'waiting one')
  const second = await conversationFor(ana, 'client-k1b', 'waiting two')
  const listed = async (): Promise<string[]> => (await ok(ana, 'query { unansweredConversations { id awaitingReply preview } }')).unansweredConversations.map((c: any) => c.id)
  const before = await listed()
  t.ok(before.indexOf(first) < before.indexOf(second) && before.includes(first), 'longest waiting first')
  await send(ana, first, 'internal thoughts', true)
  t.ok((await listed()).includes(first), 'a hidden note is not an answer')
  const { conversation } = await ok(ana, 'query($id: ID!) { conversation(id: $id) { preview awaitingReply } }', { id: first })
  t.same(conversation, { preview: 'waiting one', awaitingReply: true }, 'the preview never shows a hidden note')
  await send(ana, first, 'here is your answer')
  t.notOk((await listed()).includes(first), 'answered: off the list')
  t.notOk((await ok(bruno, 'query { unansweredConversations { id } }')).unansweredConversations.some((c: any) => c.id === second), 'scoped to what the user may see')
  await ok(ana, 'mutation($id: ID!) { closeConversation(id: $id) { id } }', { id: first })
  const again = await channel.inbound('client-k1', 'me again')
  const client = await ok(admin, 'query($id: ID!) { conversation(id: $id) { client { id } } }', { id: again.conversationId })
  const history = await ok(admin, 'query($c: ID!) { clientConversations(clientId: $c) { id status } }', { c: client.conversation.client.id })
  t.same(history.clientConversations.map((c: any) => c.id), [again.conversationId, first], 'newest first')
})

t.test('the transcript holds what the client saw: no notes, no deleted messages, names for mentions', async (t) => {
  const id = await conversationFor(ana, 'client-transcript', 'where is my parcel?')
  await send(ana, id, 'checking with the warehouse, do not tell them', true)
  await send(ana, id, `@[Bruno Costa](user:${bruno.id}) will call you`)
  const { sendMessage: oops } = await send(ana, id, 'wrong chat, sorry')
  await ok(ana, 'mutation($id: ID!) { deleteMessage(id: $id) { id } }', { id: oops.id })
  const { transcriptOf } = await ok(admin, 'query($id: ID!) { transcriptOf(id: $id) }', { id })
  const lines = transcriptOf.split('\n').map((l: string) => l.replace(/^\[[^\]]+\] /, ''))
  t.same(lines, ['Client: where is my parcel?', 'Ana Lima: Bruno Costa will call you'])
})

t.test('deleting a message while its delivery is in flight: sent, then withdrawn, no deadlock', async (t) => {
  const id = await conversationFor(ana, 'client-inflight')
  provider.delay(700)
  t.teardown(() => provider.delay(0))
  const { sendMessage } = await send(ana, id, 'sent to the wrong person')
  await waitFor('the send to reach the provider', async () => (await sql(h, "select count(*)::int as n from outbox where message_id = ? and status = 'pending'", [sendMessage.id]))[0].n === 1)
  await new Promise(resolve => setTimeout(resolve, 200))
  const { deleteMessage } = await ok(ana, 'mutation($id: ID!) { deleteMessage(id: $id) { deletedAt } }', { id: sendMessage.id })
  t.ok(deleteMessage.deletedAt !== null)
  const external = await waitFor('the provider id', async () => (await sql(h, 'select external_id from messages where id = ?', [sendMessage.id]))[0].external_id ?? false, 15_000)
  await waitFor('the withdrawal', async () => provider.changes().some(c => c.action === 'delete' && c.id === external), 15_000)
  t.equal(provider.sent().filter(s => s.text === 'sent to the wrong person').length, 1)
})

t.test('explicit nulls mean "not given"', async (t) => {
  const list = await admin.query('query { conversations(status: null, openChannelId: null, assigneeId: null, after: null) { nodes { id } } }')
  t.equal(list.errors, undefined)
  const id = await conversationFor(ana, 'client-nulls')
  const page = await ana.query('query($c: ID!) { messages(conversationId: $c, before: null) { nodes { id } } }', { c: id })
  t.equal(page.errors, undefined)
  const sent = await ana.query('mutation($c: ID!) { sendMessage(conversationId: $c, body: "ok", quoteMessageId: null, attachmentIds: null) { id } }', { c: id })
  t.equal(sent.errors, undefined)
})
