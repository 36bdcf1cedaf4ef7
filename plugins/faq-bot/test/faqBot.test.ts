// G4 through the real app and the core's chatbot runtime: greeting with the menu (numbered text or
// buttons), menu navigation, keywords, fallback and hand-over after misses, the core's "0" rule,
// hand-over by an item or rule, silence after hand-over, settings validated by the bot's schema.
import t from 'tap'
import { buildTestApp, createTestChannel, startFakeProvider, testConnectorPlugin, until, type AgentClient, type FakeProvider, type TestApp, type TestChannel } from '@openline/testing'
import faqBotPlugin from '../src/index.ts'
import { botHandled, botMessages, createPressChannel, pressConnectorPlugin, sql, statusOf, useBot, type BotMessage } from './helpers.ts'

let h: TestApp
let provider: FakeProvider
let admin: AgentClient

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({ plugins: [testConnectorPlugin, pressConnectorPlugin, faqBotPlugin] })
  admin = await h.login(h.admin.email, h.admin.password)
})
t.teardown(async () => { await h?.close(); await provider?.close() })

const settings = {
  greeting: 'Hi! I am the Acme assistant.',
  menu: [
    { title: 'Prices', answer: 'Plans start at 10 EUR a month.' },
    {
      title: 'Delivery',
      answer: 'Where should we deliver?',
      items: [
        { title: 'Portugal', answer: 'Delivery to Portugal takes 3 days.' },
        { title: 'Polska', answer: 'Dostawa do Polski trwa 2 dni.' }
      ]
    },
    { title: 'Talk to a person', answer: 'Connecting you with an agent.', handOver: true },
    { title: 'Hidden: does nothing' }
  ],
  keywords: [
    { phrases: ['refund', 'money back', 'devolução'], answer: 'Refunds take 5 working days.' },
    { phrases: ['complaint'], answer: 'We are sorry. An agent will take over.', handOver: true }
  ],
  fallback: 'Sorry, I did not get that.',
  handOverAfterMisses: 2
}

const zero = 'Send 0 to talk to a person.'
const prompt = 'Choose a topic or type your question:'
const topList = `${prompt}\n1 — Prices\n2 — Delivery\n3 — Talk to a person\n${zero}`
const deliveryList = `${prompt}\n1 — Portugal\n2 — Polska\n3 — Back\n${zero}`

let n = 0
async function textChannel (rules: Record<string, unknown> = {}, botSettings: Record<string, unknown> = settings): Promise<TestChannel> {
  const channel = await createTestChannel(h, admin, provider, { name: `FAQ text ${++n}` })
  const saved = await useBot(admin, channel.id, 'faq', botSettings, rules)
  if (saved.errors !== undefined) throw new Error(JSON.stringify(saved.errors))
  return channel
}

/** Send, then wait for the bot's `count`-th message in the conversation. */
async function replies (conversationId: string, count: number): Promise<BotMessage[]> {
  return until(`bot message ${count}`, () => botMessages(h, conversationId), m => m.length >= count)
}

t.test('greeting with a numbered menu where the channel shows no buttons; numbers and titles navigate', async (t) => {
  const channel = await textChannel()
  const { conversationId } = await channel.inbound('faq-text', 'hello')
  t.equal(await statusOf(h, conversationId), 'bot')
  const [greeting] = await replies(conversationId, 1)
  t.same(greeting, { body: `Hi! I am the Acme assistant.\n\n${topList}`, buttons: null }, 'empty items are not shown')
  await until('delivered', async () => provider.sent().filter(s => s.to === 'faq-text').length, x => x === 1)

  await channel.inbound('faq-text', '1')
  t.equal((await replies(conversationId, 2))[1].body, `Plans start at 10 EUR a month.\n\n${topList}`)
  await channel.inbound('faq-text', 'DELIVERY')
  t.equal((await replies(conversationId, 3))[2].body, `Where should we deliver?\n\n${deliveryList}`, 'a title opens the sub-menu')
  await channel.inbound('faq-text', '2')
  t.equal((await replies(conversationId, 4))[3].body, `Dostawa do Polski trwa 2 dni.\n\n${deliveryList}`, 'numbers count in the sub-menu; the client stays there')
  await channel.inbound('faq-text', 'portugal!')
  t.equal((await replies(conversationId, 5))[4].body, `Delivery to Portugal takes 3 days.\n\n${deliveryList}`)
  await channel.inbound('faq-text', '3')
  t.equal((await replies(conversationId, 6))[5].body, topList, 'back to the top')
  t.equal(await statusOf(h, conversationId), 'bot')
})

t.test('buttons where the channel has them; a press chooses, an old menu\'s button still works', async (t) => {
  const channel = await createPressChannel(h, admin, provider, 'FAQ buttons')
  t.equal((await useBot(admin, channel.id, 'faq', settings)).errors, undefined)
  const { conversationId } = await channel.send('faq-press', 'hi')
  const [greeting] = await replies(conversationId, 1)
  t.same(greeting, {
    body: `Hi! I am the Acme assistant.\n\n${prompt}\n${zero}`,
    buttons: [{ text: 'Prices', data: 'faq:1' }, { text: 'Delivery', data: 'faq:2' }, { text: 'Talk to a person', data: 'faq:3' }]
  })
  await channel.send('faq-press', 'Delivery', 'faq:2')
  t.same((await replies(conversationId, 2))[1], {
    body: `Where should we deliver?\n\n${prompt}\n${zero}`,
    buttons: [{ text: 'Portugal', data: 'faq:2.1' }, { text: 'Polska', data: 'faq:2.2' }, { text: 'Back', data: 'faq:back' }]
  })
  await channel.send('faq-press', 'Polska', 'faq:2.2')
  t.equal((await replies(conversationId, 3))[2].body, `Dostawa do Polski trwa 2 dni.\n\n${prompt}\n${zero}`)
  await channel.send('faq-press', 'Back', 'faq:back')
  t.same((await replies(conversationId, 4))[3].buttons?.map(b => b.data), ['faq:1', 'faq:2', 'faq:3'])
  // The greeting's "Prices" pressed again later: it names its item, wherever the client is now.
  await channel.send('faq-press', 'Prices', 'faq:1')
  t.equal((await replies(conversationId, 5))[4].body, `Plans start at 10 EUR a month.\n\n${prompt}\n${zero}`)
})

t.test('keywords: case- and accent-insensitive, whole words only', async (t) => {
  const channel = await textChannel()
  const { conversationId } = await channel.inbound('faq-keys', 'hi')
  await replies(conversationId, 1)
  await channel.inbound('faq-keys', 'Can I get a REFUND?')
  t.equal((await replies(conversationId, 2))[1].body, `Refunds take 5 working days.\n\n${topList}`)
  await channel.inbound('faq-keys', 'quero a DEVOLUCAO do meu pedido')
  t.equal((await replies(conversationId, 3))[2].body, `Refunds take 5 working days.\n\n${topList}`, 'accents do not matter')
  await channel.inbound('faq-keys', 'it was refunded')
  t.equal((await replies(conversationId, 4))[3].body, `Sorry, I did not get that.\n\n${topList}`, 'part of a word is no match')
  await channel.inbound('faq-keys', 'I want my  money,  back')
  t.equal((await replies(conversationId, 5))[4].body, `Refunds take 5 working days.\n\n${topList}`, 'a phrase across punctuation and spaces')
  // The understood message reset the misses: one more miss does not hand over.
  await channel.inbound('faq-keys', 'zzz')
  t.equal((await replies(conversationId, 6))[5].body, `Sorry, I did not get that.\n\n${topList}`)
  t.equal(await statusOf(h, conversationId), 'bot')
})

t.test('fallback, then hand-over after N misses; silent after the hand-over', async (t) => {
  const channel = await textChannel({ stayUntil: 'end' })
  const { conversationId } = await channel.inbound('faq-miss', 'hi')
  await replies(conversationId, 1)
  await channel.inbound('faq-miss', 'what is the meaning of life')
  t.equal((await replies(conversationId, 2))[1].body, `Sorry, I did not get that.\n\n${topList}`)
  await channel.inbound('faq-miss', '42')
  t.equal((await replies(conversationId, 3))[2].body, 'Let me pass you to a colleague. Please wait a moment.', 'an out-of-range number is a miss')
  await until('the hand-over', () => statusOf(h, conversationId), s => s === 'queued')
  const [note] = await sql(h, "select body from messages where conversation_id = ? and meta->>'action' = 'botHandOver'", [conversationId])
  t.equal(note.body, 'The chatbot handed the conversation to the queue: not understood 2 times')

  const later = await channel.inbound('faq-miss', 'Prices')
  await until('the bot heard it', () => botHandled(h, later.messageId), Boolean)
  t.equal((await botMessages(h, conversationId)).length, 3, 'the bot stays silent after the hand-over (handedOver)')
})

t.test('"0" hands over at once (the core\'s rule); the bot never sees it', async (t) => {
  const channel = await textChannel()
  const { conversationId } = await channel.inbound('faq-zero', 'hi')
  await replies(conversationId, 1)
  const zeroMessage = await channel.inbound('faq-zero', '0')
  await until('the hand-over', () => statusOf(h, conversationId), s => s === 'queued')
  await until('handled', () => botHandled(h, zeroMessage.messageId), Boolean)
  t.equal((await botMessages(h, conversationId)).length, 1, 'no fallback for "0"')
})

t.test('an item or a keyword rule may hand over', async (t) => {
  const channel = await textChannel()
  const first = await channel.inbound('faq-item', 'hi')
  await replies(first.conversationId, 1)
  await channel.inbound('faq-item', '3')
  t.equal((await replies(first.conversationId, 2))[1].body, 'Connecting you with an agent.')
  await until('the hand-over', () => statusOf(h, first.conversationId), s => s === 'queued')

  const second = await channel.inbound('faq-rule', 'hello')
  await replies(second.conversationId, 1)
  await channel.inbound('faq-rule', 'I have a Complaint')
  t.equal((await replies(second.conversationId, 2))[1].body, 'We are sorry. An agent will take over.')
  await until('the hand-over', () => statusOf(h, second.conversationId), s => s === 'queued')
})

t.test('defaults: a bot with no menu greets and falls back; never hands over with 0 misses allowed', async (t) => {
  const channel = await textChannel({}, { handOverAfterMisses: 0 })
  const { conversationId } = await channel.inbound('faq-plain', 'hi')
  t.same(await replies(conversationId, 1), [{ body: 'Hello! I am the virtual assistant. I can answer the most common questions.', buttons: null }])
  for (let i = 2; i <= 4; i++) {
    await channel.inbound('faq-plain', `question ${i}`)
    t.equal((await replies(conversationId, i))[i - 1].body, 'Sorry, I did not understand that.')
  }
  t.equal(await statusOf(h, conversationId), 'bot')
})

t.test('the settings are validated against the bot\'s schema, with field errors', async (t) => {
  const channel = await createTestChannel(h, admin, provider, { name: 'FAQ settings' })
  const bad = await useBot(admin, channel.id, 'faq', {
    menu: [{ title: '' }, { title: 'Deep', items: [{ title: 'x'.repeat(101), answer: 'a' }] }],
    keywords: [{ phrases: [], answer: 'x' }],
    handOverAfterMisses: 99
  })
  t.equal(bad.errors?.[0].extensions?.code, 'OL_VALIDATION')
  t.same((bad.errors?.[0].extensions?.fields ?? []).map((f: any) => f.path).sort(), [
    '/chatbotSettings/handOverAfterMisses', '/chatbotSettings/keywords/0/phrases', '/chatbotSettings/menu/0/title', '/chatbotSettings/menu/1/items/0/title'
  ])
  const ok = await useBot(admin, channel.id, 'faq', { menu: [{ title: 'Prices', answer: 'Cheap.' }] })
  t.equal(ok.errors, undefined, JSON.stringify(ok.errors))
  t.match(ok.data.updateOpenChannelSettings.settings.chatbots, {
    chatbot: 'faq',
    chatbotSettings: { menu: [{ title: 'Prices', answer: 'Cheap.', handOver: false }], keywords: [], handOverAfterMisses: 3, backTitle: 'Back', fallback: 'Sorry, I did not understand that.' }
  }, 'defaults filled in')
})
