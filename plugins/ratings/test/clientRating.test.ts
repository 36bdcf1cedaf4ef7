// F1, F2: the question at the end (buttons where the channel has them, text elsewhere), the
// client's answer recorded once with its source, the thanks, the push to the console, the time
// limit, someone else's conversation, close on rating, and the new conversation an answer opens.
import t from 'tap'
import { buildTestApp, createTestChannel, startFakeProvider, testConnectorPlugin, until, type AgentClient, type FakeProvider, type TestApp } from '@openline/testing'
import ratingsPlugin, { shippedText } from '../src/index.ts'
import { buttonsConnectorPlugin, createButtonsChannel, type ButtonsChannel, handled, holdFixturePlugin, holdingChannels, ratingFields, ratingOf, saveQuality, serveAndClose, sql } from './helpers.ts'

let h: TestApp
let provider: FakeProvider
let admin: AgentClient

t.before(async () => {
  provider = await startFakeProvider()
  // A settings minute of 100 ms: a time limit of 3 minutes passes in 0.3 s.
  h = await buildTestApp({ plugins: [testConnectorPlugin, buttonsConnectorPlugin, holdFixturePlugin, { definition: ratingsPlugin, options: { minuteMs: 100 } }] })
  admin = await h.login(h.admin.email, h.admin.password)
})
t.teardown(async () => { await h?.close(); await provider?.close() })

const question = (vars: { agentName: string }): string => shippedText('question', 'en').replace('{{#if agentName}} with {{agentName}}{{/if}}', ` with ${vars.agentName}`)

async function questionOf (conversationId: string): Promise<{ id: string, body: string, meta: any }> {
  const rows = await until('the rating question', () => sql(h, "select id::text, body, meta from messages where conversation_id = ? and meta->>'rating' = 'question'", [conversationId]), r => r.length > 0)
  return rows[0] as { id: string, body: string, meta: any }
}

const thanksIn = async (conversationId: string): Promise<string[]> =>
  (await sql<{ body: string }>(h, "select body from messages where conversation_id = ? and meta->>'rating' = 'thanks' order by id", [conversationId])).map(r => r.body)

const statusOf = async (id: string): Promise<{ status: string, close_reason: string | null }> =>
  (await sql<{ status: string, close_reason: string | null }>(h, 'select status, close_reason from conversations where id = ?', [id]))[0]

/** A channel with buttons whose closes are held (E7) or not, a client's conversation served, closed and asked. */
async function askedAtEnd (name: string, userId: string, quality: Record<string, unknown>, hold = true): Promise<{ channel: ButtonsChannel, conversationId: string }> {
  const channel = await createButtonsChannel(h, admin, provider, name)
  if (hold) holdingChannels.add(channel.id)
  const saved = await saveQuality(admin, channel.id, { askAtEnd: true, ...quality })
  if (saved.errors !== undefined) throw new Error(JSON.stringify(saved.errors))
  const { conversationId } = await channel.send(userId, 'hello')
  await serveAndClose(admin, conversationId)
  await questionOf(conversationId)
  return { channel, conversationId }
}

t.test('asked at the end with 👍/👎 buttons; the first press counts, is thanked and pushed to the console', async (t) => {
  const channel = await createButtonsChannel(h, admin, provider, 'Buttons end')
  holdingChannels.add(channel.id)
  t.equal((await saveQuality(admin, channel.id, { askAtEnd: true, timeLimit: { enabled: true, minutes: 1440 } })).errors, undefined)
  const { conversationId } = await channel.send('end-1', 'hello')
  t.equal(await ratingOf(admin, conversationId), null, 'nothing asked yet')
  await serveAndClose(admin, conversationId)
  t.equal((await statusOf(conversationId)).status, 'closing', 'held for the rating')

  const asked = await questionOf(conversationId)
  t.equal(asked.body, question({ agentName: 'Test Admin' }), 'the shipped question, no typing hint')
  t.same(asked.meta.buttons, [{ text: '👍', data: `rating:${conversationId}:like` }, { text: '👎', data: `rating:${conversationId}:dislike` }])
  const before = await ratingOf(admin, conversationId)
  t.equal(before.client, null)
  t.ok(new Date(before.expiresAt).getTime() - new Date(before.askedAt).getTime() === 1440 * 100, 'the time limit runs from the question')

  const pushes = await admin.subscribe(`subscription($id: ID) { conversationRated(conversationId: $id) { ${ratingFields} } }`, { id: conversationId })
  const press = await channel.send('end-1', '👍', `rating:${conversationId}:like`)
  t.equal(press.conversationId, conversationId, 'the press lands in the conversation held in closing')
  const pushed = await pushes.next(8000)
  t.equal(pushed.data?.conversationRated.conversationId, conversationId)
  t.match(pushed.data?.conversationRated.client, { value: 'like', source: 'button' })
  pushes.close()

  const rated = await ratingOf(admin, conversationId)
  t.match(rated.client, { value: 'like', source: 'button' })
  await until('the thanks', () => thanksIn(conversationId), b => b.length === 1)
  t.same(await thanksIn(conversationId), [shippedText('thanksLike', 'en')])
  await until('the thanks delivered', async () => provider.sent().filter(s => s.to === 'end-1').map(s => s.text), texts => texts.includes(shippedText('thanksLike', 'en')))

  const again = await channel.send('end-1', '👎', `rating:${conversationId}:dislike`)
  await until('the second press handled', () => handled(h, again.messageId), Boolean)
  t.match((await ratingOf(admin, conversationId)).client, { value: 'like' }, 'the first answer wins')
  t.equal((await thanksIn(conversationId)).length, 1, 'thanked once')
  t.equal((await statusOf(conversationId)).status, 'closing', 'no close on rating unless the channel says so')
})

t.test('text fallback where the channel shows no buttons; the answer opening a new conversation closes it', async (t) => {
  const channel = await createTestChannel(h, admin, provider, { name: 'Text end' })
  await saveQuality(admin, channel.id, { askAtEnd: true })
  const { conversationId } = await channel.inbound('text-1', 'hello')
  await serveAndClose(admin, conversationId)
  t.equal((await statusOf(conversationId)).status, 'closed', 'no hold: closed at once')
  const asked = await questionOf(conversationId)
  t.equal(asked.body, `${question({ agentName: 'Test Admin' })}\n${shippedText('answerHint', 'en')}`)
  t.equal(asked.meta.buttons, undefined)
  await until('the question delivered', async () => provider.sent().filter(s => s.to === 'text-1').length, n => n === 1)

  const answer = await channel.inbound('text-1', ' 2 ')
  t.equal(answer.conversationOpened, true, 'the old conversation is closed for good: a new one opened')
  await until('the rating', () => ratingOf(admin, conversationId), r => r.client !== null)
  t.match((await ratingOf(admin, conversationId)).client, { value: 'dislike', source: 'text' })
  await until('the new conversation closed', () => statusOf(answer.conversationId), s => s.status === 'closed')
  t.same(await statusOf(answer.conversationId), { status: 'closed', close_reason: 'ratingReply' })
  t.same(await thanksIn(answer.conversationId), [shippedText('thanksDislike', 'en')], 'thanked where the client wrote')
  t.equal(await ratingOf(admin, answer.conversationId), null, 'no question in the reply conversation')

  // Rated: a later "1" is an ordinary message that stays with the agents.
  const later = await channel.inbound('text-1', '1')
  await until('handled', () => handled(h, later.messageId), Boolean)
  t.equal((await statusOf(later.conversationId)).status, 'queued')
  t.match((await ratingOf(admin, conversationId)).client, { value: 'dislike' })
})

t.test('an ordinary text is no answer, and typed answers do not count where buttons were shown', async (t) => {
  const { channel, conversationId } = await askedAtEnd('Buttons typed', 'typed-1', {})
  for (const text of ['thanks, bye', '1']) {
    const sent = await channel.send('typed-1', text)
    await until('handled', () => handled(h, sent.messageId), Boolean)
  }
  t.equal((await ratingOf(admin, conversationId)).client, null)
})

t.test('time limit: a late answer is ignored and stored nowhere', async (t) => {
  const { channel, conversationId } = await askedAtEnd('Late', 'late-1', { timeLimit: { enabled: true, minutes: 3 } })
  const { expiresAt } = await ratingOf(admin, conversationId)
  await until('the limit passed', async () => Date.now(), now => now > new Date(expiresAt).getTime() + 100)
  const press = await channel.send('late-1', '👍', `rating:${conversationId}:like`)
  await until('handled', () => handled(h, press.messageId), Boolean)
  t.equal((await ratingOf(admin, conversationId)).client, null)
  t.same(await sql(h, 'select * from ratings_scores where conversation_id = ?', [conversationId]), [], 'stored nowhere')
  t.same(await thanksIn(conversationId), [])
})

t.test("a button naming another client's conversation is refused", async (t) => {
  const { channel, conversationId } = await askedAtEnd('Foreign', 'owner-1', {})

  const forged = await channel.send('intruder-1', '👎', `rating:${conversationId}:dislike`)
  await until('handled', () => handled(h, forged.messageId), Boolean)
  const garbled = await channel.send('owner-1', '👎', 'rating:abc:dislike')
  await until('handled', () => handled(h, garbled.messageId), Boolean)
  t.equal((await ratingOf(admin, conversationId)).client, null, 'not rated by the intruder nor by garbled data')
  t.same(await statusOf(forged.conversationId), { status: 'closed', close_reason: 'ratingReply' }, "the intruder's press opened nothing that waits for an agent")

  // The owner's own press still counts.
  await channel.send('owner-1', '👍', `rating:${conversationId}:like`)
  await until('the rating', () => ratingOf(admin, conversationId), r => r.client?.value === 'like')
})

t.test('a press after the conversation closed for good rates it and leaves no conversation in the queue', async (t) => {
  const { channel, conversationId } = await askedAtEnd('Closed for good', 'gone-1', {}, false)
  t.equal((await statusOf(conversationId)).status, 'closed')
  const press = await channel.send('gone-1', '👎', `rating:${conversationId}:dislike`)
  t.not(press.conversationId, conversationId)
  await until('the rating', () => ratingOf(admin, conversationId), r => r.client?.value === 'dislike')
  await until('the reply conversation closed', () => statusOf(press.conversationId), s => s.status === 'closed')
  t.equal((await statusOf(press.conversationId)).close_reason, 'ratingReply')
})

t.test('during the conversation: askForRating, and close on rating ends it at once', async (t) => {
  const channel = await createButtonsChannel(h, admin, provider, 'During')
  holdingChannels.add(channel.id)
  const { conversationId } = await channel.send('during-1', 'hello')
  await admin.query('mutation($id: ID!) { takeOverConversation(id: $id) { id } }', { id: conversationId })
  const ask = 'mutation($id: ID!) { askForRating(conversationId: $id) { conversationId askedAt client { value } } }'

  const off = await admin.query(ask, { id: conversationId })
  t.equal(off.errors?.[0].extensions?.code, 'OL_CONFLICT', 'off unless the channel allows it')
  t.equal(await ratingOf(admin, conversationId), null)

  await saveQuality(admin, channel.id, { askAtEnd: true, duringConversation: true, closeOnRating: true })
  const asked = await admin.query(ask, { id: conversationId })
  t.equal(asked.errors, undefined, JSON.stringify(asked.errors))
  t.match(asked.data.askForRating, { conversationId, client: null })
  t.ok(asked.data.askForRating.askedAt)
  const q = await questionOf(conversationId)
  t.same(q.meta.buttons.map((b: any) => b.data), [`rating:${conversationId}:like`, `rating:${conversationId}:dislike`])

  await channel.send('during-1', '👎', `rating:${conversationId}:dislike`)
  await until('closed by the rating', () => statusOf(conversationId), s => s.status === 'closed')
  t.same(await statusOf(conversationId), { status: 'closed', close_reason: 'rated' }, 'closed at once, not held: the rating is in')
  t.match((await ratingOf(admin, conversationId)).client, { value: 'dislike', source: 'button' })
  await until('the thanks', () => thanksIn(conversationId), b => b.length === 1)
  const questions = await sql(h, "select 1 from messages where conversation_id = ? and meta->>'rating' = 'question'", [conversationId])
  t.equal(questions.length, 1, 'not asked again at the end: it is rated')

  const rated = await admin.query(ask, { id: conversationId })
  t.equal(rated.errors?.[0].extensions?.code, 'OL_CONFLICT')
  const invalid = await admin.query(ask, { id: 'nope' })
  t.same(invalid.errors?.[0].extensions?.fields?.map((f: any) => f.path), ['/conversationId'])
  const agent = await h.createAgent()
  const hidden = await agent.query(ask, { id: conversationId })
  t.equal(hidden.errors?.[0].extensions?.code, 'OL_NOT_FOUND', 'an agent who cannot see the conversation cannot ask')
})

t.test('typed answers during the conversation on a text channel', async (t) => {
  const channel = await createTestChannel(h, admin, provider, { name: 'Text during' })
  await saveQuality(admin, channel.id, { duringConversation: true })
  const { conversationId } = await channel.inbound('text-during', 'hello')
  await admin.query('mutation($id: ID!) { takeOverConversation(id: $id) { id } }', { id: conversationId })
  const asked = await admin.query('mutation($id: ID!) { askForRating(conversationId: $id) { conversationId } }', { id: conversationId })
  t.equal(asked.errors, undefined)
  await channel.inbound('text-during', '👍')
  await until('the rating', () => ratingOf(admin, conversationId), r => r.client !== null)
  t.match((await ratingOf(admin, conversationId)).client, { value: 'like', source: 'text' })
  t.equal((await statusOf(conversationId)).status, 'assigned', 'stays open without close on rating')
})
