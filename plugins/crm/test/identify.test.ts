// I1/I2: a new identity is recognised before anything is created — by the same messenger user on
// another connection, by phone (normalised) or by e-mail (lower-cased) — and becomes the existing
// client; I3: a lead only once a name and contact data exist, a deal when the channel says so,
// an offer otherwise; the core's merges move CRM rows and undoing them moves exactly those back.
import t from 'tap'
import { until } from '@openline/testing'
import { conversationCrm, handledByCrm, messagesOf, ok, startScene, untilCrm } from './helpers.ts'

const scene = await startScene()
t.teardown(() => scene.close())
const { admin } = scene

const clientCount = async (): Promise<number> => {
  const rows = await (scene.h.core.orm.em.fork() as any).execute('select count(*)::int as n from clients') as { n: number }[]
  return rows[0].n
}

t.test('two channels, one person: the phone (written differently) and the e-mail (other case) find the same client', async (t) => {
  const telegram = await scene.channel('Telegram-like', { crm: { unknownClient: 'none' } })
  const widget = await scene.channel('Widget-like', { crm: { unknownClient: 'none' } })
  const first = await telegram.say('tg-ana', 'hi', { name: 'Ana Souza', phone: '+55 (11) 98765-4321' })
  const before = await clientCount()
  const second = await widget.say('web-ana', 'hello again', { name: 'Ana', phone: '+5511987654321' })
  t.equal(second.clientId, first.clientId, 'the same client')
  t.not(second.conversationId, first.conversationId, 'a conversation of its own in the other channel')
  t.equal(await clientCount(), before, 'no client row left behind')
  const history = ok(await admin.query('query($c: ID!) { clientConversations(clientId: $c) { id } }', { c: first.clientId })).clientConversations.map((c: { id: string }) => c.id)
  t.same(history.sort(), [first.conversationId, second.conversationId].sort(), 'one history')

  const third = await widget.say('web-ana-2', 'me again', { email: 'ANA@Example.COM ' })
  const fourth = await telegram.say('tg-ana-work', 'from work', { email: 'ana@example.com' })
  t.equal(fourth.clientId, third.clientId, 'matched by e-mail, whatever the case')
  t.not(third.clientId, first.clientId, 'nothing links these two yet')
})

t.test('the same messenger user on another connection is the same client; the option turns it off', async (t) => {
  const botA = await scene.channel('Bot A', { crm: { unknownClient: 'none' } })
  const botB = await scene.channel('Bot B', { crm: { unknownClient: 'none' } })
  const botC = await scene.channel('Bot C', { crm: { unknownClient: 'none', matchMessengerIdentity: false } })
  const a = await botA.say('tg-4242', 'hi')
  const b = await botB.say('tg-4242', 'hi there')
  t.equal(b.clientId, a.clientId)
  const c = await botC.say('tg-4242', 'hi again')
  t.not(c.clientId, a.clientId, 'identity matching off for this channel')
  const phoneOwner = await botA.say('phone-owner', 'x', { phone: '+48 500 600 700' })
  const recogniseOff = await scene.channel('No recognition', { crm: { recognise: false, unknownClient: 'none' } })
  const d = await recogniseOff.say('other-user', 'x', { phone: '+48500600700' })
  t.not(d.clientId, phoneOwner.clientId, 'recognition off: a client of its own')
  const e = await botB.say('third-user', 'x', { phone: '48500600700'.replace(/^/, '+') })
  t.equal(e.clientId, phoneOwner.clientId, 'the oldest client with the phone wins')
})

t.test('I3 lead: only with a name and a phone or e-mail; a later message with an e-mail completes it', async (t) => {
  const channel = await scene.channel('Leads', { crm: { unknownClient: 'lead' } })
  const named = await channel.say('lead-1', 'hello', { name: 'Bruno Lima', phone: '+48 600 100 200' })
  const refs = await untilCrm(admin, named.conversationId, 'a lead', r => r.length > 0)
  t.match(refs, [{ kind: 'lead', adapter: 'builtin', createdFromConversation: true, responsibleUserId: null }])
  const lead = ok(await admin.query('query($id: ID!) { crmLead(id: $id) { name phones emails source status openChannelId conversationId clientId } }', { id: refs[0].id })).crmLead
  t.same(lead, { name: 'Bruno Lima', phones: ['+48600100200'], emails: [], source: 'crmtest', status: 'new', openChannelId: channel.id, conversationId: named.conversationId, clientId: named.clientId })

  const anonymous = await channel.say('lead-2', 'a question', { name: 'Carla' })
  await until('the CRM saw the conversation open', () => handledByCrm(scene.h, 'conversation.opened', anonymous.conversationId), done => done)
  t.same((await conversationCrm(admin, anonymous.conversationId)).crm, [], 'no lead without contact data')
  await channel.say('lead-2', 'you can mail me at carla.m@example.org, thanks')
  const later = await untilCrm(admin, anonymous.conversationId, 'the lead after the e-mail', r => r.length > 0)
  t.match(later, [{ kind: 'lead', createdFromConversation: true }])
  const leadLater = ok(await admin.query('query($id: ID!) { crmLead(id: $id) { name emails } }', { id: later[0].id })).crmLead
  t.same(leadLater, { name: 'Carla', emails: ['carla.m@example.org'] })

  // The same person in another channel later is known: the lead is found, not made again.
  const again = await scene.channel('Leads again', { crm: { unknownClient: 'lead' } })
  const back = await again.say('other-id', 'me again', { email: 'Carla.M@example.org' })
  t.equal(back.clientId, anonymous.clientId)
  const found = await untilCrm(admin, back.conversationId, 'the known lead', r => r.length > 0)
  t.match(found, [{ kind: 'lead', id: later[0].id, createdFromConversation: false }])
  const leads = ok(await admin.query('query { crmLeads(first: 100) { nodes { id clientId } } }')).crmLeads.nodes.filter((l: { clientId: string }) => l.clientId === anonymous.clientId)
  t.equal(leads.length, 1, 'no duplicate lead')
})

t.test('I3 deal option, offer option and the agent\'s create action', async (t) => {
  const deals = await scene.channel('Deals', { crm: { unknownClient: 'deal' } })
  const d = await deals.say('deal-1', 'I want to buy', { name: 'Dario' })
  const refs = await untilCrm(admin, d.conversationId, 'a deal', r => r.length > 0)
  t.match(refs, [{ kind: 'deal', createdFromConversation: true }])
  const deal = ok(await admin.query('query($id: ID!) { crmDeal(id: $id) { title stage source contact { name clientId } } }', { id: refs[0].id })).crmDeal
  t.same(deal, { title: 'Dario (crmtest)', stage: 'new', source: 'crmtest', contact: { name: 'Dario', clientId: d.clientId } }, 'with the client\'s contact')

  const offers = await scene.channel('Offers', { crm: { unknownClient: 'offer' } })
  const o = await offers.say('offer-1', 'hello', { name: 'Olga' })
  const notes = await until('the offer note', () => messagesOf(admin, o.conversationId), m => m.some(n => n.visibility === 'internal' && n.authorKind === 'system'))
  t.match(notes.find(n => n.visibility === 'internal')?.body, /not in the CRM/)
  t.same((await conversationCrm(admin, o.conversationId)).crm, [])
  const lead = await admin.query('mutation($c: ID!) { createCrmRecordFromConversation(conversationId: $c, kind: lead) { kind } }', { c: o.conversationId })
  t.equal(lead.errors?.[0]?.extensions?.code, 'OL_VALIDATION', 'a lead needs contact data')
  t.same(lead.errors?.[0]?.extensions?.fields?.map(f => f.path), ['/kind'])
  const made = ok(await admin.query('mutation($c: ID!) { createCrmRecordFromConversation(conversationId: $c, kind: deal) { kind id adapter createdFromConversation responsibleUserId } }', { c: o.conversationId })).createCrmRecordFromConversation
  t.match(made, { kind: 'deal', adapter: 'builtin', createdFromConversation: true, responsibleUserId: scene.h.admin.id })
  t.match((await conversationCrm(admin, o.conversationId)).crm, [{ kind: 'deal', id: made.id }])
})

t.test('the core\'s merge moves the CRM records to the target; undoing it moves exactly those back; a split takes its chats\' deals', async (t) => {
  const channel = await scene.channel('Merge', { crm: { unknownClient: 'deal' } })
  const source = await channel.say('merge-src', 'hi', { name: 'Sam', phone: '+44 7700 900123' })
  const target = await channel.say('merge-dst', 'hi', { name: 'Sam T' })
  t.not(source.clientId, target.clientId)
  const [sourceDeal] = await untilCrm(admin, source.conversationId, 'source deal', r => r.length > 0)
  await untilCrm(admin, target.conversationId, 'target deal', r => r.length > 0)
  const recordsOf = async (clientId: string): Promise<string[]> =>
    ok(await admin.query('query($c: ID!) { crmRecordsOfClient(clientId: $c) { kind id } }', { c: clientId })).crmRecordsOfClient.map((r: { kind: string, id: string }) => `${r.kind}:${r.id}`).sort()
  const sourceRecords = await recordsOf(source.clientId)
  const targetRecords = await recordsOf(target.clientId)
  t.equal(sourceRecords.length, 2, 'a deal and a contact each')

  const merge = ok(await admin.query('mutation($s: ID!, $t: ID!) { mergeClients(sourceClientId: $s, targetClientId: $t) { id } }', { s: source.clientId, t: target.clientId })).mergeClients
  await until('records moved', () => recordsOf(target.clientId), r => r.length === 4)
  t.same(await recordsOf(target.clientId), [...sourceRecords, ...targetRecords].sort())
  t.equal(ok(await admin.query('query($id: ID!) { crmDeal(id: $id) { clientId } }', { id: sourceDeal.id })).crmDeal.clientId, target.clientId)
  // The merged-away client is never chosen again: its phone now finds the target.
  const other = await scene.channel('After merge', { crm: { unknownClient: 'none' } })
  t.equal((await other.say('merge-phone', 'hi', { phone: '+447700900123' })).clientId, target.clientId)

  ok(await admin.query('mutation($id: ID!) { undoClientMerge(mergeId: $id) { undoneAt } }', { id: merge.id }))
  await until('records moved back', async () => (await recordsOf(target.clientId)).filter(r => sourceRecords.includes(r)).length, n => n === 0)
  t.same((await recordsOf(source.clientId)).filter(r => sourceRecords.includes(r)), sourceRecords, 'the source has its records again')
  t.same(await recordsOf(target.clientId), targetRecords)

  // Split: the identity's conversations take the deal made from them along; the contact stays.
  const two = await other.say('merge-src', 'and from here', { name: 'Sam' })
  t.equal(two.clientId, source.clientId, 'the same messenger user on another connection')
  const identities = ok(await admin.query('query($c: ID!) { client(id: $c) { identities { id externalUserId } } }', { c: source.clientId })).client.identities
  t.equal(identities.length, 2)
  const split = ok(await admin.query('mutation($i: ID!) { splitClientIdentity(identityId: $i) { id } }', { i: identities[0].id })).splitClientIdentity
  await until('the deal follows its conversation', async () => ok(await admin.query('query($id: ID!) { crmDeal(id: $id) { clientId } }', { id: sourceDeal.id })).crmDeal.clientId, c => c === split.id)
  t.same((await recordsOf(source.clientId)).filter(r => r.startsWith('deal:')), [], 'no deal left with the rest of the person')
})
