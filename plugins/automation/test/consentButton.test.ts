// D1 by button: the consent notice carries an "I agree" button; a client message carrying its
// callback data (any connector with buttons) records the acceptance with source `button`.
import t from 'tap'
import { buildTestApp, createTestChannel, startFakeProvider, testConnectorPlugin, until, type AgentClient, type FakeProvider, type TestApp, type TestChannel } from '@openline/testing'
import automationPlugin, { shippedText } from '../src/index.ts'

let h: TestApp
let provider: FakeProvider
let admin: AgentClient
let sequence = 0

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({ plugins: [testConnectorPlugin, automationPlugin] })
  admin = await h.login(h.admin.email, h.admin.password)
})
t.teardown(async () => { await h?.close(); await provider?.close() })

const sql = async <Row = Record<string, any>>(text: string, params: unknown[] = []): Promise<Row[]> => (h.core.orm.em.fork() as any).execute(text, params)

async function consentChannel (name: string, consent: Record<string, unknown>, language = 'en'): Promise<TestChannel> {
  const channel = await createTestChannel(h, admin, provider, { name })
  if (language !== 'en') await admin.query('mutation ($id: ID!, $l: String!) { setOpenChannelLanguage(id: $id, language: $l) { id } }', { id: channel.id, l: language })
  const saved = await admin.query('mutation ($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "consent", values: $v) { id } }', { id: channel.id, v: { enabled: true, ...consent } })
  if (saved.errors !== undefined) throw new Error(JSON.stringify(saved.errors))
  return channel
}

/** The client's press of a button, as a connector with buttons reports it. */
async function press (channel: TestChannel, name: string, userId: string, data: string, text = 'I agree'): Promise<void> {
  await h.core.ingest({ connector: 'test', externalAccountId: `acct-${channel.id}-${name}`, externalUserId: userId, externalMessageId: `press-${process.pid}-${++sequence}`, text, meta: { callbackData: data } })
}

async function noticeOf (conversationId: string): Promise<{ body: string, meta: any }> {
  const rows = await until('the consent notice', () => sql<{ body: string, meta: any }>("select body, meta from messages where conversation_id = ? and meta->>'automation' = 'consentNotice'", [conversationId]), r => r.length === 1)
  return rows[0]
}

async function consentsOf (conversationId: string): Promise<any[]> {
  const [{ client_id: clientId }] = await sql<{ client_id: string }>('select client_id::text from conversations where id = ?', [conversationId])
  const res = await admin.query('query ($id: ID!) { clientConsents(clientId: $id) { textVersion source openChannelId } }', { id: clientId })
  return res.data.clientConsents
}

t.test('the notice carries an I agree button; pressing it records the consent', async (t) => {
  const channel = await consentChannel('Button consent', { textVersion: 'v3' })
  const { conversationId } = await channel.inbound('button-1', 'Hello')
  const notice = await noticeOf(conversationId)
  t.match(notice.body, /Notice version: v3/)
  t.same(notice.meta.buttons, [{ text: 'I agree', data: 'consent:accept:v3' }])
  t.same(await consentsOf(conversationId), [], 'nothing recorded before the press')

  await press(channel, 'Button consent', 'button-1', 'rate:like', '👍')
  await press(channel, 'Button consent', 'button-1', 'consent:accept:v3')
  const recorded = await until('consent recorded', () => consentsOf(conversationId), c => c.length > 0)
  t.same(recorded, [{ textVersion: 'v3', source: 'button', openChannelId: channel.id }], 'only the consent button counts')
})

t.test('the button label follows the channel language', async (t) => {
  const expected: Record<string, string> = { pl: 'Zgadzam się', ru: 'Принимаю', 'pt-BR': 'Concordo', es: 'Acepto' }
  for (const [language, label] of Object.entries(expected)) {
    const channel = await consentChannel(`Consent ${language}`, { textVersion: '2' }, language)
    const { conversationId } = await channel.inbound(`label-${language}`, 'Hi')
    const notice = await noticeOf(conversationId)
    t.equal(notice.meta.buttons[0].text, label, language)
    t.ok(notice.body.startsWith(shippedText('consentNotice', language as 'pl').slice(0, 10)), `${language} notice text`)
  }
})

t.test('a version too long for 64 bytes of button data: the notice goes as text', async (t) => {
  const channel = await consentChannel('Long version', { textVersion: 'x'.repeat(50) })
  const { conversationId } = await channel.inbound('long-1', 'Hi')
  const notice = await noticeOf(conversationId)
  t.equal(notice.meta.buttons, undefined)
})
