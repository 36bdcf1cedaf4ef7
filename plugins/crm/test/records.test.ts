// I5: the chat log as an activity (on close, on demand, with Save to CRM) holds what the client saw
// and never an internal note; lists page by keyset; Conversation.crm over a list; who may see and
// change what.
import t from 'tap'
import { until } from '@openline/testing'
import { code, conversationCrm, fieldPaths, handledByCrm, ok, startScene, untilCrm, type Staff } from './helpers.ts'

const scene = await startScene()
t.teardown(() => scene.close())
const { admin, h } = scene

const agent = await h.createAgent({ name: 'Agent A' }) as Staff
const other = await h.createAgent({ name: 'Agent B' }) as Staff
const supervisor = await h.createAgent({ name: 'Supervisor', role: 'supervisor' }) as Staff
const queue = { strategy: 'crm-fixture-first', members: [{ userId: agent.id }], checkAvailability: false }

const activitiesQuery = 'query($id: ID!) { crmDeal(id: $id) { activities(first: 50) { nodes { kind body conversationId } } } }'
const activitiesOf = async (client: typeof admin, dealId: string): Promise<{ kind: string, body: string, conversationId: string | null }[]> =>
  ok(await client.query(activitiesQuery, { id: dealId })).crmDeal?.activities.nodes ?? []

async function assignedConversation (channel: Awaited<ReturnType<typeof scene.channel>>, userId: string, client: { name?: string, phone?: string, email?: string }, text = 'hello'): Promise<string> {
  const c = await channel.say(userId, text, client)
  await until('assigned', async () => (await conversationCrm(admin, c.conversationId)).assigneeId, a => a === agent.id)
  return c.conversationId
}

const send = async (conversationId: string, body: string, internal = false): Promise<void> => {
  ok(await agent.query('mutation($c: ID!, $b: String!, $i: Boolean) { sendMessage(conversationId: $c, body: $b, internal: $i) { id } }', { c: conversationId, b: body, i: internal }))
}

t.test('I5: on close the chat log is attached to the conversation\'s records, without internal notes', async (t) => {
  const channel = await scene.channel('I5 close', { queue, crm: { unknownClient: 'deal' } })
  const id = await assignedConversation(channel, 'i5-close', { name: 'Irene' }, 'I need a quote')
  const [deal] = await untilCrm(admin, id, 'a deal', r => r.length > 0)
  await send(id, 'Sure, 100 units?')
  await send(id, 'SECRET margin is 40%', true)
  await channel.say('i5-close', 'Yes, 100 units')
  ok(await agent.query('mutation($id: ID!) { closeConversation(id: $id) { status } }', { id }))
  const [log] = await until('the chat log', () => activitiesOf(admin, deal.id), a => a.some(x => x.kind === 'chat'))
  t.equal(log.conversationId, id)
  t.match(log.body, /Irene: I need a quote/)
  t.match(log.body, /Agent A: Sure, 100 units\?/)
  t.match(log.body, /Irene: Yes, 100 units/)
  t.notMatch(log.body, /SECRET/, 'no internal note')
  // The contact made with the deal got the log too.
  const contactId = ok(await admin.query('query($id: ID!) { crmDeal(id: $id) { contactId } }', { id: deal.id })).crmDeal.contactId
  const contactLog = ok(await admin.query('query($id: ID!) { crmContact(id: $id) { activities { nodes { kind } } } }', { id: contactId })).crmContact.activities.nodes
  t.same(contactLog, [{ kind: 'chat' }])

  const off = await scene.channel('I5 off', { queue, crm: { unknownClient: 'deal', saveChatOnClose: false } })
  const quiet = await assignedConversation(off, 'i5-off', { name: 'Quinn' })
  const [quietDeal] = await untilCrm(admin, quiet, 'a deal', r => r.length > 0)
  ok(await agent.query('mutation($id: ID!) { closeConversation(id: $id) { status } }', { id: quiet }))
  await until('the CRM saw the close', () => handledByCrm(h, 'conversation.statusChanged', quiet, { to: 'closed' }), done => done)
  t.same(await activitiesOf(admin, quietDeal.id), [], 'option off: no log')
})

t.test('Save to CRM: a deal with the client\'s contact and the chat log; saved again on demand, once per conversation', async (t) => {
  const channel = await scene.channel('Save', { queue, crm: { unknownClient: 'none' } })
  const id = await assignedConversation(channel, 'save-1', { name: 'Sofia Reis', phone: '+34 600 111 222', email: 'Sofia@Example.com' }, 'Price list please')
  await until('the CRM saw it', () => handledByCrm(h, 'conversation.opened', id), done => done)
  t.equal(code(await agent.query('mutation($c: ID!) { saveCrmActivity(conversationId: $c) { id } }', { c: id })), 'OL_CONFLICT', 'nothing to attach to yet')
  const saved = ok(await agent.query('mutation($c: ID!) { saveConversationToCrm(conversationId: $c) { kind id adapter responsibleUserId createdFromConversation } }', { c: id })).saveConversationToCrm
  t.match(saved, { kind: 'deal', adapter: 'builtin', responsibleUserId: agent.id, createdFromConversation: true })
  const deal = ok(await agent.query('query($id: ID!) { crmDeal(id: $id) { source contact { name phones emails } activities { nodes { kind body } } } }', { id: saved.id })).crmDeal
  t.same(deal.contact, { name: 'Sofia Reis', phones: ['+34600111222'], emails: ['sofia@example.com'] })
  t.equal(deal.activities.nodes.length, 1)
  t.match(deal.activities.nodes[0], { kind: 'chat', body: /Price list please/ })

  await channel.say('save-1', 'and delivery times')
  await until('the message stored', async () => ok(await agent.query('query($c: ID!) { messages(conversationId: $c) { nodes { body } } }', { c: id })).messages.nodes.length, n => n === 2)
  const refs = ok(await agent.query('mutation($c: ID!) { saveCrmActivity(conversationId: $c) { kind id } }', { c: id })).saveCrmActivity
  t.same(refs.map((r: { kind: string }) => r.kind).sort(), ['contact', 'deal'])
  const logs = await activitiesOf(agent, saved.id)
  t.equal(logs.length, 1, 'the chat log is replaced, not repeated')
  t.match(logs[0].body, /and delivery times/)
})

t.test('lists page by keyset, Conversation.crm answers for a whole list', async (t) => {
  const channel = await scene.channel('Pages', { queue, crm: { unknownClient: 'deal' } })
  const ids: string[] = []
  for (let i = 0; i < 3; i++) ids.push(await assignedConversation(channel, `page-${i}`, { name: `Page ${i}` }))
  for (const id of ids) await untilCrm(admin, id, 'a deal', r => r.length > 0)
  const seen: string[] = []
  let after: string | null = null
  do {
    const page: { nodes: { id: string }[], nextCursor: string | null } = ok(await supervisor.query('query($a: String) { crmDeals(first: 2, after: $a) { nodes { id } nextCursor } }', { a: after })).crmDeals
    t.ok(page.nodes.length <= 2)
    seen.push(...page.nodes.map(n => n.id))
    after = page.nextCursor
  } while (after !== null)
  t.equal(new Set(seen).size, seen.length, 'no deal twice')
  t.same(seen, [...seen].sort((a, b) => Number(b) - Number(a)), 'newest first')
  t.ok(seen.length >= 3)
  t.same(fieldPaths(await admin.query('query { crmDeals(after: "bogus") { nodes { id } } }')), ['/after'])
  t.same(fieldPaths(await admin.query('query { crmDeals(first: 0) { nodes { id } } }')), ['/first'])

  const list = ok(await admin.query('query($o: ID!) { conversations(openChannelId: $o, first: 10) { nodes { id client { id } crm { kind id } } } }', { o: channel.id })).conversations.nodes
  t.equal(list.length, 3)
  for (const c of list) {
    t.equal(c.crm.length, 2, 'a deal and its contact')
    const deal = ok(await admin.query('query($id: ID!) { crmDeal(id: $id) { clientId conversationId } }', { id: c.crm.find((r: { kind: string }) => r.kind === 'deal').id })).crmDeal
    t.same(deal, { clientId: c.client.id, conversationId: c.id }, 'each conversation gets its own records')
  }
})

t.test('permissions: forms are for admins; records follow conversations and responsibility', async (t) => {
  const channel = await scene.channel('Perms', { queue, crm: { unknownClient: 'deal' } })
  const id = await assignedConversation(channel, 'perm-1', { name: 'Paula' })
  const [deal] = await untilCrm(admin, id, 'a deal', r => r.length > 0)
  await send(id, 'hello Paula')
  await until('responsible', async () => ok(await admin.query('query($id: ID!) { crmDeal(id: $id) { responsibleUserId } }', { id: deal.id })).crmDeal.responsibleUserId, r => r === agent.id)

  t.equal(code(await agent.query('mutation { createCrmForm(input: { title: "X", fields: [{ name: "a", label: "A", type: text }] }) { id } }')), 'OL_FORBIDDEN')
  t.equal(code(await h.agent().query('query { crmDeals { nodes { id } } }')), 'OL_UNAUTHENTICATED')

  // Agent B sees nothing of agent A's conversation or its deal.
  t.equal(ok(await other.query('query($id: ID!) { crmDeal(id: $id) { id } }', { id: deal.id })).crmDeal, null)
  t.notOk(ok(await other.query('query { crmDeals(first: 200) { nodes { id } } }')).crmDeals.nodes.some((d: { id: string }) => d.id === deal.id))
  const clientId = (await conversationCrm(admin, id)).client.id
  t.equal(code(await other.query('query($c: ID!) { crmRecordsOfClient(clientId: $c) { id } }', { c: clientId })), 'OL_NOT_FOUND')
  t.equal(code(await other.query('mutation($id: ID!) { updateCrmDeal(id: $id, input: { stage: won }) { id } }', { id: deal.id })), 'OL_NOT_FOUND')
  t.equal(code(await other.query('mutation($c: ID!) { saveConversationToCrm(conversationId: $c) { id } }', { c: id })), 'OL_NOT_FOUND')
  t.equal(code(await other.query('mutation($c: ID!) { sendCrmForm(conversationId: $c) { id } }', { c: id })), 'OL_NOT_FOUND')

  // Agent A, responsible: sees and changes it, with field errors for bad values.
  t.same(ok(await agent.query('query($c: ID!) { crmRecordsOfClient(clientId: $c) { kind } }', { c: clientId })).crmRecordsOfClient.map((r: { kind: string }) => r.kind).sort(), ['contact', 'deal'])
  const bad = await agent.query('mutation($id: ID!) { updateCrmDeal(id: $id, input: { amount: "12,345.6.7", title: "" }) { id } }', { id: deal.id })
  t.same(fieldPaths(bad), ['/input/amount', '/input/title'])
  const updated = ok(await agent.query('mutation($id: ID!) { updateCrmDeal(id: $id, input: { amount: "1250,5", stage: inProgress }) { amount stage title } }', { id: deal.id })).updateCrmDeal
  t.same(updated, { amount: '1250.50', stage: 'inProgress', title: 'Paula (crmtest)' })

  // Made responsible, agent B sees the deal but not the chat log of a conversation hidden from them.
  ok(await agent.query('mutation($c: ID!) { saveCrmActivity(conversationId: $c) { id } }', { c: id }))
  ok(await supervisor.query('mutation($id: ID!, $u: ID!) { setCrmResponsible(kind: deal, id: $id, userId: $u) { id } }', { id: deal.id, u: other.id }))
  t.equal(ok(await other.query('query($id: ID!) { crmDeal(id: $id) { id } }', { id: deal.id })).crmDeal.id, deal.id)
  t.same(await activitiesOf(other, deal.id), [], 'the chat log stays with those who may see the conversation')
  t.equal((await activitiesOf(supervisor, deal.id)).length, 1)
  t.equal(code(await agent.query('mutation($id: ID!) { updateCrmDeal(id: $id, input: { stage: won }) { id } }', { id: deal.id })), 'OL_FORBIDDEN', 'no longer responsible')
  t.same(fieldPaths(await supervisor.query('mutation($id: ID!) { setCrmResponsible(kind: deal, id: $id, userId: "999999") { id } }', { id: deal.id })), ['/userId'])
  const note = ok(await other.query('mutation($id: ID!) { addCrmNote(kind: deal, id: $id, body: "Call back on Monday") { kind body authorUserId } }', { id: deal.id })).addCrmNote
  t.same(note, { kind: 'note', body: 'Call back on Monday', authorUserId: other.id })
})
