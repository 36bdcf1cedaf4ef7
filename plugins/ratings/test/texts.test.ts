// F1, A5: the quality settings group, its texts in five languages, per-channel overrides, and
// templates checked when saved; and the parsing of typed answers.
import t from 'tap'
import { buildTestApp, createTestChannel, startFakeProvider, testConnectorPlugin, until, type AgentClient, type FakeProvider, type TestApp } from '@openline/testing'
import ratingsPlugin, { buttonAnswer, shippedText, textAnswer, textLanguages } from '../src/index.ts'
import { ratingOf, saveQuality, serveAndClose, sql } from './helpers.ts'

let h: TestApp
let provider: FakeProvider
let admin: AgentClient

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({ plugins: [testConnectorPlugin, ratingsPlugin] })
  admin = await h.login(h.admin.email, h.admin.password)
})
t.teardown(async () => { await h?.close(); await provider?.close() })

const ratingMessages = async (conversationId: string): Promise<{ body: string, kind: string }[]> =>
  sql(h, "select body, meta->>'rating' as kind from messages where conversation_id = ? and meta->>'rating' is not null order by id", [conversationId])

t.test('the group: defaults, bounds and template syntax checked when saved', async (t) => {
  const channel = await createTestChannel(h, admin, provider, { name: 'Settings' })
  const read = await admin.query('query($id: ID!) { openChannel(id: $id) { settings } }', { id: channel.id })
  t.same(read.data.openChannel.settings.quality, { askAtEnd: false, duringConversation: false, closeOnRating: false, timeLimit: { enabled: false, minutes: 1440 }, texts: {} })

  const bad = await saveQuality(admin, channel.id, { askAtEnd: true, texts: { question: 'Rate {{#if agentName}}us', thanksLike: '   ', thanksDislike: 'Sorry {{clientName}}' } })
  t.equal(bad.errors?.[0].extensions?.code, 'OL_VALIDATION')
  t.same(bad.errors?.[0].extensions?.fields?.map((f: any) => f.path), ['/texts/question', '/texts/thanksLike'])
  t.match(bad.errors?.[0].extensions?.fields?.[0].message, /Template error/)
  for (const minutes of [0, 10_081, 1.5]) {
    const res = await saveQuality(admin, channel.id, { timeLimit: { enabled: true, minutes } })
    t.same(res.errors?.[0].extensions?.fields?.map((f: any) => f.path), ['/timeLimit/minutes'], `${minutes} minutes`)
  }
  const long = await saveQuality(admin, channel.id, { texts: { answerHint: 'x'.repeat(2001) } })
  t.same(long.errors?.[0].extensions?.fields?.map((f: any) => f.path), ['/texts/answerHint'])
  const unchanged = await admin.query('query($id: ID!) { openChannel(id: $id) { settings } }', { id: channel.id })
  t.equal(unchanged.data.openChannel.settings.quality.askAtEnd, false, 'refused saves change nothing')

  const ok = await saveQuality(admin, channel.id, { askAtEnd: true, timeLimit: { enabled: true, minutes: 10_080 }, texts: { question: 'Rate {{agentName}}?' } })
  t.equal(ok.errors, undefined, JSON.stringify(ok.errors))
  t.same(ok.data.updateOpenChannelSettings.settings.quality, { askAtEnd: true, duringConversation: false, closeOnRating: false, timeLimit: { enabled: true, minutes: 10_080 }, texts: { question: 'Rate {{agentName}}?' } })
})

t.test('the shipped texts follow the channel language', async (t) => {
  for (const language of textLanguages) {
    const channel = await createTestChannel(h, admin, provider, { name: `Lang ${language}` })
    const set = await admin.query('mutation($id: ID!, $l: String!) { setOpenChannelLanguage(id: $id, language: $l) { id } }', { id: channel.id, l: language })
    t.equal(set.errors, undefined, JSON.stringify(set.errors))
    await saveQuality(admin, channel.id, { askAtEnd: true, duringConversation: true })
    const { conversationId } = await channel.inbound(`lang-${language}`, 'hello')
    await serveAndClose(admin, conversationId)
    const [asked] = await until('the question', () => ratingMessages(conversationId), m => m.length === 1)
    const agentPart = /\{\{#if agentName\}\}(.*?)\{\{agentName\}\}(.*?)\{\{\/if\}\}/
    const expected = shippedText('question', language).replace(agentPart, (_m, before: string, after: string) => `${before}Test Admin${after}`)
    t.equal(asked.body, `${expected}\n${shippedText('answerHint', language)}`, `${language} question`)
    const answer = await channel.inbound(`lang-${language}`, '1')
    await until('the rating', () => ratingOf(admin, conversationId), r => r?.client !== null)
    const thanks = await until('the thanks', () => ratingMessages(answer.conversationId), m => m.some(x => x.kind === 'thanks'))
    t.equal(thanks.find(x => x.kind === 'thanks')?.body, shippedText('thanksLike', language), `${language} thanks`)
  }
})

t.test('overrides are rendered with the template variables', async (t) => {
  const channel = await createTestChannel(h, admin, provider, { name: 'Own texts' })
  const saved = await saveQuality(admin, channel.id, { askAtEnd: true, texts: { question: '{{clientName}}, how did {{agentName}} of {{channelName}} do?', answerHint: 'Type 1 or 2.', thanksDislike: 'Noted, {{clientName}}.' } })
  t.equal(saved.errors, undefined, JSON.stringify(saved.errors))
  const raw = JSON.stringify({ userId: 'own-1', messageId: `own-${process.pid}`, text: 'hi', name: 'Rita' })
  const { sign } = await import('@openline/testing')
  const res = await fetch(`${h.url}/plugins/test-connector/webhook/${channel.connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-signature': sign('test-channel-secret', raw) }, body: raw })
  const { conversationId } = await res.json() as { conversationId: string }
  await serveAndClose(admin, conversationId)
  const [asked] = await until('the question', () => ratingMessages(conversationId), m => m.length === 1)
  t.equal(asked.body, 'Rita, how did Test Admin of Own texts do?\nType 1 or 2.')
  const answer = await channel.inbound('own-1', '👎')
  const thanks = await until('the thanks', () => ratingMessages(answer.conversationId), m => m.some(x => x.kind === 'thanks'))
  t.equal(thanks[0].body, 'Noted, Rita.')
})

t.test('typed answers and button data are parsed strictly', async (t) => {
  t.equal(textAnswer('1'), 'like')
  t.equal(textAnswer(' 👍🏽 '), 'like')
  t.equal(textAnswer('👍️!'), 'like')
  t.equal(textAnswer('2.'), 'dislike')
  t.equal(textAnswer('👎'), 'dislike')
  for (const other of ['12', '1 2', 'one', '', 'I give it a 1', '3', '0']) t.equal(textAnswer(other), null, JSON.stringify(other))
  t.same(buttonAnswer({ callbackData: 'rating:42:like' }), { kind: 'valid', conversationId: '42', value: 'like' })
  t.same(buttonAnswer({ callbackData: 'rating:42:love' }), { kind: 'malformed' })
  t.same(buttonAnswer({ callbackData: 'rating:0:like' }), { kind: 'malformed' })
  t.same(buttonAnswer({ callbackData: 'rating:42:like:x' }), { kind: 'malformed' })
  t.equal(buttonAnswer({ callbackData: 'consent:accept:v1' }), null)
  t.equal(buttonAnswer({}), null)
})
