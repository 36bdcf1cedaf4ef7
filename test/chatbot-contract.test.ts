// Issue #6, G1–G4: a chatbot written outside the repository against the SDK alone works exactly
// like the built-in FAQ bot: it is a choice of the `chatbots` group, its settings are validated by
// its own schema, the core runs it (greeting, buttons, presses, hand-over on its decision and on
// "0", finish, silence after hand-over), and it can replace the built-in bot on an open channel.
import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { buildTestApp, createTestChannel, startFakeProvider, testConnectorPlugin, until, type AgentClient, type FakeProvider, type TestApp, type TestChannel } from '@openline/testing'
// By relative path on purpose: the fixture is its own package, not a workspace.
import fixture from './fixtures/bot-external/index.ts'
import faqBotPlugin from '../plugins/faq-bot/src/index.ts'

const fixtureDir = fileURLToPath(new URL('./fixtures/bot-external/', import.meta.url))
const fixtureModule = fileURLToPath(new URL('./fixtures/bot-external/index.ts', import.meta.url))
const rootPackage = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { workspaces: string[] }

async function sql<Row = Record<string, any>> (h: TestApp, text: string, params: unknown[] = []): Promise<Row[]> {
  return (h.core.orm.em.fork() as any).execute(text, params)
}

const botMessages = async (h: TestApp, conversationId: string): Promise<{ body: string, meta: any }[]> =>
  sql(h, "select body, meta from messages where conversation_id = ? and author_kind = 'bot' order by id", [conversationId])

const statusOf = async (h: TestApp, conversationId: string): Promise<string> =>
  (await sql<{ status: string }>(h, 'select status from conversations where id = ?', [conversationId]))[0].status

async function useBot (admin: AgentClient, channelId: string, values: Record<string, unknown>): Promise<any> {
  return admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "chatbots", values: $v) { settings } }', { id: channelId, v: values })
}

t.test('the fixture imports nothing but @openline/sdk', async (t) => {
  const sources = readdirSync(fixtureDir).filter(f => /\.[cm]?[jt]sx?$/.test(f))
  t.same(sources, ['index.ts'])
  for (const file of sources) {
    const specifiers = ts.preProcessFile(readFileSync(fixtureDir + file, 'utf8'), true, true).importedFiles.map(f => f.fileName)
    t.same([...new Set(specifiers)], ['@openline/sdk'], `${file} imports only the SDK`)
  }
  const pkg = JSON.parse(readFileSync(fixtureDir + 'package.json', 'utf8'))
  t.equal(pkg.type, 'module')
  t.same(Object.keys(pkg.dependencies ?? {}), ['@openline/sdk'])
  for (const key of ['devDependencies', 'peerDependencies', 'optionalDependencies']) t.equal(pkg[key], undefined, `no ${key}`)
  t.notOk(rootPackage.workspaces.some(w => w.startsWith('test')), 'the fixture is not an npm workspace')
})

t.test('loaded as an object next to the built-in bot', async (t) => {
  const provider: FakeProvider = await startFakeProvider()
  const h = await buildTestApp({ plugins: [testConnectorPlugin, faqBotPlugin, fixture] })
  t.teardown(async () => { await h.close(); await provider.close() })
  const admin = await h.login(h.admin.email, h.admin.password)
  let n = 0
  async function channel (rules: Record<string, unknown> = {}): Promise<TestChannel & { account: string }> {
    const name = `Outside bot ${++n}`
    const created = await createTestChannel(h, admin, provider, { name })
    const saved = await useBot(admin, created.id, { chatbot: 'external-orders', chatbotSettings: { shop: 'Globex' }, ...rules })
    if (saved.errors !== undefined) throw new Error(JSON.stringify(saved.errors))
    return { ...created, account: `acct-${created.id}-${name}` }
  }
  let presses = 0
  /** A button press as a connector with buttons reports it. */
  const press = (c: { account: string }, userId: string, data: string, label: string) =>
    h.core.ingest({ connector: 'test', externalAccountId: c.account, externalUserId: userId, externalMessageId: `press-${process.pid}-${++presses}`, text: label, meta: { callbackData: data } })

  t.test('a choice of the chatbots group, validated by its own schema', async (t) => {
    const groups = await admin.query('{ settingsGroups { id choices { id title settingsSchema } } }')
    const choices = groups.data.settingsGroups.find((g: any) => g.id === 'chatbots').choices
    t.same(choices.map((c: any) => c.id).sort(), ['external-orders', 'faq'], 'the outside bot is listed beside the built-in one')
    t.same(Object.keys(choices.find((c: any) => c.id === 'external-orders').settingsSchema.properties).sort(), ['greeting', 'shop'])
    const plain = await createTestChannel(h, admin, provider, { name: 'Validation' })
    const bad = await useBot(admin, plain.id, { chatbot: 'external-orders', chatbotSettings: { shop: '', greeting: 'x'.repeat(501) } })
    t.equal(bad.errors?.[0].extensions?.code, 'OL_VALIDATION')
    t.same(bad.errors?.[0].extensions?.fields?.map((f: any) => f.path).sort(), ['/chatbotSettings/greeting', '/chatbotSettings/shop'])
    const good = await useBot(admin, plain.id, { chatbot: 'external-orders', chatbotSettings: {} })
    t.same(good.data.updateOpenChannelSettings.settings.chatbots.chatbotSettings, { greeting: 'Hi! Send your order number, or choose below.', shop: 'Acme' }, 'its defaults filled in')
  })

  t.test('greets with buttons, hears presses and text, hands over on its decision', async (t) => {
    const c = await channel()
    const { conversationId } = await c.inbound('ext-1', 'hello')
    t.equal(await statusOf(h, conversationId), 'bot')
    const [greeting] = await until('the greeting', () => botMessages(h, conversationId), m => m.length === 1)
    t.equal(greeting.body, 'Hi! Send your order number, or choose below.')
    t.same(greeting.meta.buttons, [{ text: 'Order status', data: 'orders:status' }, { text: 'A person', data: 'orders:human' }])
    await until('the greeting delivered', async () => provider.sent().filter(s => s.to === 'ext-1').map(s => s.text), x => x.length === 1)

    await press(c, 'ext-1', 'orders:status', 'Order status')
    await until('the answer to the press', () => botMessages(h, conversationId), m => m.at(-1)?.body === 'Send your order number.')
    await c.inbound('ext-1', '123456')
    await until('the order status', () => botMessages(h, conversationId), m => m.at(-1)?.body === 'Order 123456 of Globex ships tomorrow.')
    await press(c, 'ext-1', 'orders:human', 'A person')
    await until('the hand-over', () => statusOf(h, conversationId), s => s === 'queued')
    const [note] = await sql(h, "select body from messages where conversation_id = ? and meta->>'action' = 'botHandOver'", [conversationId])
    t.equal(note.body, 'The chatbot handed the conversation to the queue: the client asked for a person')
  })

  t.test('"0" hands over at once, before the bot hears it', async (t) => {
    const c = await channel()
    const { conversationId } = await c.inbound('ext-zero', 'hi')
    const zero = await c.inbound('ext-zero', '0')
    await until('the hand-over', () => statusOf(h, conversationId), s => s === 'queued')
    t.same(await sql(h, 'select 1 from fixture_bot_external_heard where message_id = ?', [zero.messageId]), [])
  })

  t.test('it can finish the conversation', async (t) => {
    const c = await channel()
    const { conversationId } = await c.inbound('ext-bye', 'hi')
    await c.inbound('ext-bye', 'bye')
    await until('closed', () => statusOf(h, conversationId), s => s === 'closed')
    t.same((await sql(h, 'select close_reason from conversations where id = ?', [conversationId]))[0], { close_reason: 'botFinished' })
  })

  t.test('staying until the end, it hears the client after the hand-over and keeps silent', async (t) => {
    const c = await channel({ stayUntil: 'end' })
    const { conversationId } = await c.inbound('ext-stay', 'hi')
    await c.inbound('ext-stay', 'person')
    await until('the hand-over', () => statusOf(h, conversationId), s => s === 'queued')
    const after = await c.inbound('ext-stay', '987654')
    const [heard] = await until('heard', () => sql(h, 'select handed_over from fixture_bot_external_heard where message_id = ?', [after.messageId]), r => r.length === 1)
    t.equal(heard.handed_over, true, 'told it was handed over')
    t.equal((await botMessages(h, conversationId)).length, 1, 'only the greeting: silent after the hand-over')
  })

  t.test('it replaces the built-in bot on an open channel through the same settings group', async (t) => {
    const c = await createTestChannel(h, admin, provider, { name: 'Swap' })
    t.equal((await useBot(admin, c.id, { chatbot: 'faq', chatbotSettings: { greeting: 'Built-in hello.' } })).errors, undefined)
    const first = await c.inbound('swap-1', 'hi')
    await until('the built-in greeting', () => botMessages(h, first.conversationId), m => m[0]?.body === 'Built-in hello.')
    t.equal((await useBot(admin, c.id, { chatbot: 'external-orders', chatbotSettings: {} })).errors, undefined)
    const second = await c.inbound('swap-2', 'hi')
    await until('the outside greeting', () => botMessages(h, second.conversationId), m => m[0]?.body === 'Hi! Send your order number, or choose below.')
  })
})

t.test('loaded by module path from config.plugins', async (t) => {
  const provider = await startFakeProvider()
  const h = await buildTestApp({ plugins: [testConnectorPlugin], config: { plugins: [{ module: fixtureModule }] } })
  t.teardown(async () => { await h.close(); await provider.close() })
  const admin = await h.login(h.admin.email, h.admin.password)
  const c = await createTestChannel(h, admin, provider, { name: 'By path' })
  const saved = await useBot(admin, c.id, { chatbot: 'external-orders', chatbotSettings: { greeting: 'Olá! Número do pedido?' } })
  t.equal(saved.errors, undefined, JSON.stringify(saved.errors))
  const { conversationId } = await c.inbound('path-1', 'oi')
  await until('the greeting', () => botMessages(h, conversationId), m => m[0]?.body === 'Olá! Número do pedido?')
  await c.inbound('path-1', '5555')
  await until('the answer', () => botMessages(h, conversationId), m => m.at(-1)?.body === 'Order 5555 of Acme ships tomorrow.')
})
