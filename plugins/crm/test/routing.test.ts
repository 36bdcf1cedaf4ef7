// B7: a recognised client goes to the responsible person of their record (option per channel);
// records made from a chat belong to the agent who answers first; I4: a manual transfer gives the
// records made from that chat to the new agent, never older ones (option per channel).
import t from 'tap'
import { until, untilEqual } from '@openline/testing'
import { conversationCrm, externalCrm, fieldPaths, handledByCrm, ok, startScene, untilCrm, type Staff } from './helpers.ts'

const scene = await startScene()
t.teardown(() => scene.close())
const { admin, h } = scene

const first = await h.createAgent({ name: 'First' }) as Staff
const second = await h.createAgent({ name: 'Second' }) as Staff
const queue = { strategy: 'crm-fixture-first', members: [{ userId: first.id }, { userId: second.id }], checkAvailability: false }

const assigneeOf = async (conversationId: string): Promise<string | null> => (await conversationCrm(admin, conversationId)).assigneeId
const reply = async (agent: Staff, conversationId: string, body: string): Promise<void> => {
  ok(await agent.query('mutation($c: ID!, $b: String!) { sendMessage(conversationId: $c, body: $b) { id } }', { c: conversationId, b: body }))
}
const close = async (conversationId: string): Promise<void> => {
  ok(await admin.query('mutation($id: ID!) { closeConversation(id: $id) { status } }', { id: conversationId }))
}
const dealOf = async (id: string): Promise<{ responsibleUserId: string | null }> => ok(await admin.query('query($id: ID!) { crmDeal(id: $id) { responsibleUserId } }', { id })).crmDeal

t.test('records made from a chat belong to the agent who answers first', async (t) => {
  const channel = await scene.channel('First answer', { queue, crm: { unknownClient: 'deal' } })
  const c = await channel.say('first-answer', 'hi', { name: 'Fia' })
  await untilEqual('assigned', () => assigneeOf(c.conversationId), first.id)
  const [deal] = await untilCrm(admin, c.conversationId, 'a deal', r => r.length > 0)
  t.equal(deal.responsibleUserId, null, 'nobody accepted it yet')
  await reply(first, c.conversationId, 'Hello, how can I help?')
  await until('responsible set', () => dealOf(deal.id), d => d.responsibleUserId === first.id)
  t.pass('the first agent to answer is responsible')
})

t.test('B7: a known client goes to their responsible person, if the channel says so', async (t) => {
  const routed = await scene.channel('B7 on', { queue, crm: { unknownClient: 'deal' } })
  const c1 = await routed.say('b7-client', 'hi', { name: 'Beto', email: 'beto@example.com' })
  await untilEqual('first assignment by the strategy', () => assigneeOf(c1.conversationId), first.id)
  const [deal] = await untilCrm(admin, c1.conversationId, 'a deal', r => r.length > 0)
  ok(await admin.query('mutation($id: ID!, $u: ID!) { setCrmResponsible(kind: deal, id: $id, userId: $u) { responsibleUserId } }', { id: deal.id, u: second.id }))
  await close(c1.conversationId)

  const c2 = await routed.say('b7-client', 'me again')
  t.not(c2.conversationId, c1.conversationId)
  await untilEqual('routed to the responsible person', () => assigneeOf(c2.conversationId), second.id)
  const refs = await untilCrm(admin, c2.conversationId, 'the known deal', r => r.length > 0)
  t.match(refs, [{ kind: 'deal', id: deal.id, createdFromConversation: false, responsibleUserId: second.id }])

  // Another channel without the option: the strategy decides, though the person is recognised by e-mail.
  const plain = await scene.channel('B7 off', { queue, crm: { unknownClient: 'deal', routeToResponsible: false } })
  const c3 = await plain.say('b7-elsewhere', 'hello', { email: 'BETO@example.com' })
  t.equal(c3.clientId, c1.clientId, 'recognised')
  await untilEqual('the strategy\'s pick', () => assigneeOf(c3.conversationId), first.id)
})

t.test('I4: a manual transfer moves only the records made from that chat; off leaves them', async (t) => {
  const channel = await scene.channel('I4 on', { queue, crm: { unknownClient: 'deal' } })
  // An older deal of the client, from an earlier conversation, held by the first agent.
  const old = await channel.say('i4-client', 'hi', { name: 'Ines', phone: '+351 912 345 678' })
  await untilEqual('assigned', () => assigneeOf(old.conversationId), first.id)
  const [oldDeal] = await untilCrm(admin, old.conversationId, 'the older deal', r => r.length > 0)
  await reply(first, old.conversationId, 'hello')
  await until('older deal held by first', () => dealOf(oldDeal.id), d => d.responsibleUserId === first.id)
  await close(old.conversationId)

  const now = await channel.say('i4-client', 'a new order')
  await untilEqual('assigned again', () => assigneeOf(now.conversationId), first.id)
  await untilCrm(admin, now.conversationId, 'the known deal linked', r => r.length > 0)
  const saved = ok(await first.query('mutation($c: ID!) { saveConversationToCrm(conversationId: $c) { id kind responsibleUserId createdFromConversation } }', { c: now.conversationId })).saveConversationToCrm
  t.match(saved, { kind: 'deal', responsibleUserId: first.id, createdFromConversation: true })

  ok(await first.query('mutation($id: ID!, $u: ID!) { transferConversation(id: $id, toUserId: $u) { assigneeId } }', { id: now.conversationId, u: second.id }))
  await until('the new deal follows the transfer', () => dealOf(saved.id), d => d.responsibleUserId === second.id)
  t.equal((await dealOf(oldDeal.id)).responsibleUserId, first.id, 'the older deal keeps its responsible person')

  const off = await scene.channel('I4 off', { queue, crm: { unknownClient: 'deal', changeResponsibleOnTransfer: false } })
  const c = await off.say('i4-off', 'hi', { name: 'Olaf' })
  await untilEqual('assigned', () => assigneeOf(c.conversationId), first.id)
  const [deal] = await untilCrm(admin, c.conversationId, 'a deal', r => r.length > 0)
  await reply(first, c.conversationId, 'hello')
  await until('held by first', () => dealOf(deal.id), d => d.responsibleUserId === first.id)
  ok(await first.query('mutation($id: ID!, $u: ID!) { transferConversation(id: $id, toUserId: $u) { assigneeId } }', { id: c.conversationId, u: second.id }))
  await until('the CRM saw the transfer', () => handledByCrm(h, 'conversation.assigned', c.conversationId, { assigneeId: second.id }), done => done)
  t.equal((await dealOf(deal.id)).responsibleUserId, first.id, 'option off: unchanged')
})

t.test('an external CRM replaces the built-in one through the same adapter interface', async (t) => {
  const bad = await admin.query('mutation { createOpenChannel(input: { name: "Bad adapter" }) { id } }')
  const badId = ok(bad).createOpenChannel.id
  t.same(fieldPaths(await admin.query('mutation($id: ID!) { updateOpenChannelSettings(id: $id, group: "crm", values: { adapter: "nope" }) { id } }', { id: badId })), ['/adapter'])

  const channel = await scene.channel('External', { queue, crm: { adapter: 'fixture-crm', adapterSettings: { pipeline: 'sales' }, unknownClient: 'deal' } })
  const c1 = await channel.say('ext-client', 'I want a quote', { name: 'Eva' })
  await untilEqual('assigned', () => assigneeOf(c1.conversationId), first.id)
  const [made] = await untilCrm(admin, c1.conversationId, 'a deal in the external CRM', r => r.length > 0)
  t.match(made, { kind: 'deal', adapter: 'fixture-crm', createdFromConversation: true, title: 'deal for Eva' })
  t.match(externalCrm.records.find(r => r.id === made.id), { source: 'crmtest', conversationId: c1.conversationId })
  t.equal(ok(await admin.query('query { crmDeals(first: 200) { nodes { conversationId } } }')).crmDeals.nodes.filter((d: { conversationId: string }) => d.conversationId === c1.conversationId).length, 0, 'nothing in the built-in CRM')

  await reply(first, c1.conversationId, 'Sure')
  await until('responsible in the external CRM', async () => externalCrm.records.find(r => r.id === made.id)?.responsibleUserId, r => r === first.id)
  ok(await first.query('mutation($id: ID!, $u: ID!) { transferConversation(id: $id, toUserId: $u) { assigneeId } }', { id: c1.conversationId, u: second.id }))
  await until('I4 through setResponsible', async () => externalCrm.records.find(r => r.id === made.id)?.responsibleUserId, r => r === second.id)
  await close(c1.conversationId)
  const log = await until('I5 through saveActivity', async () => externalCrm.activities.find(a => a.conversationId === c1.conversationId), a => a !== undefined)
  t.match(log?.transcript, /Eva: I want a quote/)

  // B7 through findClient: the external CRM says the second agent is responsible.
  const c2 = await channel.say('ext-client', 'me again')
  await untilEqual('routed by the external CRM', () => assigneeOf(c2.conversationId), second.id)
  t.match(await untilCrm(admin, c2.conversationId, 'found in the external CRM', r => r.length > 0), [{ kind: 'company', adapter: 'fixture-crm', createdFromConversation: false, url: `https://crm.example/${made.id}` }])
})
