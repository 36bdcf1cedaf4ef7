// G1–G4: a chatbot (a fixture written against the SDK alone) takes first contact; hand-over on
// its decision, on "0", on time; first contact only or every conversation; stay until the end.
import t from 'tap'
import { definePlugin, Type, type Chatbot } from '@openline/sdk'
import { buildTestApp, startFakeProvider, testConnectorPlugin, createTestChannel, type TestApp, type FakeProvider, type AgentClient, type TestChannel } from '@openline/testing'
import { sql, waitFor } from './fixtures/helpers.ts'

const heard: { conversationId: string, body: string, handedOver: boolean }[] = []

const menuSettings = Type.Object({ greeting: Type.String({ default: 'Hi! Type price, agent or bye (0 for a person).' }) })

const menuBot: Chatbot<typeof menuSettings> = {
  id: 'fixture-menu',
  title: 'Menu bot',
  settingsSchema: menuSettings,
  async onStart ({ settings }, bot) {
    await bot.reply(settings.greeting, { buttons: [{ id: 'price', title: 'Prices' }] })
  },
  async onMessage ({ conversation, message, handedOver }, bot) {
    heard.push({ conversationId: conversation.id, body: message.body, handedOver: handedOver === true })
    if (handedOver === true) return
    const text = message.body.trim().toLowerCase()
    if (text === 'price') await bot.reply('Plans start at 10 EUR.')
    else if (text === 'agent') await bot.handOver('asked for an agent')
    else if (text === 'bye') await bot.finish()
    else await bot.reply('Sorry, I did not get that.')
  }
}

const botPlugin = definePlugin({ name: 'fixture-bot', version: '0.1.0', core: '>=0.1.0', provides: { chatbots: [menuBot] } })

let h: TestApp
let provider: FakeProvider
let admin: AgentClient

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({ plugins: [testConnectorPlugin, botPlugin], config: { jobs: { sweepIntervalMs: 200 } } })
  admin = await h.login(h.admin.email, h.admin.password)
})
t.teardown(async () => {
  await h?.close()
  await provider?.close()
})

let n = 0
async function channelWithBot (rules: Record<string, unknown> = {}): Promise<TestChannel> {
  const channel = await createTestChannel(h, admin, provider, { name: `Bot ${++n}` })
  const saved = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "chatbots", values: $v) { id } }', { id: channel.id, v: { chatbot: 'fixture-menu', chatbotSettings: {}, ...rules } })
  if (saved.errors !== undefined) throw new Error(JSON.stringify(saved.errors))
  return channel
}

const statusOf = async (id: string): Promise<string> => (await sql(h, 'select status from conversations where id = ?', [id]))[0].status
const sentTo = (client: string): string[] => provider.sent().filter(s => s.to === client).map(s => s.text)

t.test('the bot greets, answers, and hands over when it decides', async (t) => {
  const channel = await channelWithBot()
  const first = await channel.inbound('bot-client-1', 'hello')
  t.equal(await statusOf(first.conversationId), 'bot', 'the bot has it, not the queue')
  await waitFor('the greeting', async () => sentTo('bot-client-1').includes('Hi! Type price, agent or bye (0 for a person).'))
  const [greeting] = await sql(h, "select meta from messages where conversation_id = ? and author_kind = 'bot' order by id limit 1", [first.conversationId])
  t.same(greeting.meta.buttons, [{ text: 'Prices', data: 'price' }], 'buttons travel with the message')
  await channel.inbound('bot-client-1', 'price')
  await waitFor('the answer', async () => sentTo('bot-client-1').includes('Plans start at 10 EUR.'))
  await channel.inbound('bot-client-1', 'agent')
  await waitFor('the hand-over', async () => (await statusOf(first.conversationId)) === 'queued')
  const [note] = await sql(h, "select body, visibility from messages where conversation_id = ? and author_kind = 'system' order by id desc limit 1", [first.conversationId])
  t.same(note, { body: 'The chatbot handed the conversation to the queue: asked for an agent', visibility: 'internal' })
  const before = heard.length
  await channel.inbound('bot-client-1', 'anyone there?')
  await new Promise(resolve => setTimeout(resolve, 500))
  t.equal(heard.length, before, 'after hand-over the bot is disconnected (default rule)')
})

t.test('"0" hands over at once; the bot does not see it', async (t) => {
  const channel = await channelWithBot()
  const first = await channel.inbound('bot-client-zero', 'hi')
  await waitFor('the greeting', async () => sentTo('bot-client-zero').length === 1)
  await channel.inbound('bot-client-zero', ' 0 ')
  await waitFor('the hand-over', async () => (await statusOf(first.conversationId)) === 'queued')
  t.notOk(heard.some(x => x.conversationId === first.conversationId && x.body.trim() === '0'))
})

t.test('the bot can finish the conversation', async (t) => {
  const channel = await channelWithBot()
  const first = await channel.inbound('bot-client-bye', 'hi')
  await channel.inbound('bot-client-bye', 'bye')
  await waitFor('closed', async () => (await statusOf(first.conversationId)) === 'closed')
  const [row] = await sql(h, 'select close_reason from conversations where id = ?', [first.conversationId])
  t.equal(row.close_reason, 'botFinished')
})

t.test('hand-over when the time with the bot is up (durable timer)', async (t) => {
  const channel = await channelWithBot({ handOverAfterMinutes: 0.02 })
  const first = await channel.inbound('bot-client-slow', 'hi')
  t.equal(await statusOf(first.conversationId), 'bot')
  await waitFor('the timed hand-over', async () => (await statusOf(first.conversationId)) === 'queued', 15_000)
  const [note] = await sql(h, "select body from messages where conversation_id = ? and author_kind = 'system' order by id desc limit 1", [first.conversationId])
  t.equal(note.body, 'The chatbot handed the conversation to the queue: the time with the chatbot is up')
})

t.test('first contact only: a returning client goes straight to the queue', async (t) => {
  const channel = await channelWithBot({ when: 'firstContact' })
  const first = await channel.inbound('bot-client-return', 'hi')
  t.equal(await statusOf(first.conversationId), 'bot')
  await admin.query('mutation($id: ID!) { closeConversation(id: $id) { id } }', { id: first.conversationId })
  const second = await channel.inbound('bot-client-return', 'me again')
  t.not(second.conversationId, first.conversationId)
  t.equal(await statusOf(second.conversationId), 'queued')
})

t.test('stay until the end: after hand-over the bot still reads, told it was handed over', async (t) => {
  const channel = await channelWithBot({ stayUntil: 'end' })
  const first = await channel.inbound('bot-client-stay', 'hi')
  await channel.inbound('bot-client-stay', 'agent')
  await waitFor('the hand-over', async () => (await statusOf(first.conversationId)) === 'queued')
  await channel.inbound('bot-client-stay', 'thanks, waiting')
  await waitFor('the bot heard it', async () => heard.some(x => x.conversationId === first.conversationId && x.body === 'thanks, waiting'))
  t.equal(heard.find(x => x.conversationId === first.conversationId && x.body === 'thanks, waiting')?.handedOver, true)
})

t.test('rules are validated with field errors', async (t) => {
  const channel = await createTestChannel(h, admin, provider, { name: 'Bot rules' })
  const bad = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "chatbots", values: $v) { id } }',
    { id: channel.id, v: { chatbot: 'fixture-menu', handOverAfterMinutes: -1, when: 'sometimes' } })
  t.equal(bad.errors?.[0].extensions?.code, 'OL_VALIDATION')
  const paths = (bad.errors?.[0].extensions?.fields ?? []).map((f: any) => f.path)
  t.ok(paths.includes('/handOverAfterMinutes') || paths.includes('/when'), `field paths: ${paths.join(', ')}`)
  const unknown = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "chatbots", values: $v) { id } }', { id: channel.id, v: { chatbot: 'no-such-bot' } })
  t.same(unknown.errors?.[0].extensions?.fields?.[0].path, '/chatbot')
  const read = await admin.query('query($id: ID!) { openChannel(id: $id) { settings } }', { id: channel.id })
  t.match(read.data?.openChannel.settings.chatbots, { chatbot: null, when: 'everyConversation', handOverAfterMinutes: 0, handOverOnZero: true, stayUntil: 'handOver' }, 'defaults shown')
})
