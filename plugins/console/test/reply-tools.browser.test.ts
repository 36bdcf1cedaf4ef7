// K4 reply tools in the browser: @colleague and #chat mentions with autocomplete, /id, /rename,
// /quote, emoji, attachments (an image shown from its signed link under the CSP).
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { artifactPath, buildTestApp, createTestChannel, launchBrowser, startFakeProvider, testConnectorPlugin, until } from '@openline/testing'
import { consolePlugin } from '../src/index.ts'
import { messageItem, openConsolePage, signIn, type ConsolePage } from './helpers.ts'

const provider = await startFakeProvider()
const h = await buildTestApp({ plugins: [testConnectorPlugin, consolePlugin] })
const admin = await h.login(h.admin.email, h.admin.password)
const bruno = await h.createAgent({ name: 'Bruno Costa' })
await h.createAgent({ name: 'Ana Lima' })
const channel = await createTestChannel(h, admin, provider, { name: 'Tools', secret: 'tools-secret-12' })
const { conversationId: id } = await channel.inbound('client-tools', 'I need help with order 77')
const { conversationId: other } = await channel.inbound('client-other', 'Another question')
await admin.query('mutation($id: ID!) { renameConversation(id: $id, title: "Order question") { id } }', { id: other })

// A 1×1 transparent PNG.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')

let browser: Browser
let c: ConsolePage
let page: Page
t.before(async () => {
  browser = await launchBrowser()
  c = await openConsolePage(browser, h.url, { hash: `#/conversations/${id}` })
  page = c.page
  await signIn(page, h.admin.email, h.admin.password)
  await messageItem(page, 'I need help with order 77').waitFor()
})
t.teardown(async () => {
  await browser?.close()
  await h.close()
  await provider.close()
})

const reply = (): ReturnType<Page['locator']> => page.locator('textarea[name=reply]')
const messages = async (): Promise<Record<string, any>[]> =>
  (await admin.query('query($id: ID!) { messages(conversationId: $id, last: 100) { nodes { id body visibility quoteMessageId attachments } } }', { id })).data.messages.nodes

t.test('@ and # autocomplete insert mention markup; staff see links, clicking them navigates', async (t) => {
  await reply().fill('')
  await reply().pressSequentially('Please ask @Bru')
  const suggestion = page.locator('.suggestions li', { hasText: '@Bruno Costa' })
  await suggestion.waitFor()
  await reply().press('Enter')
  t.equal(await reply().inputValue(), `Please ask @[Bruno Costa](user:${bruno.id}) `, 'the colleague mention is inserted')
  await reply().pressSequentially('about #Order')
  await page.locator('.suggestions li', { hasText: '#Order question' }).waitFor()
  await reply().press('Tab')
  t.equal(await reply().inputValue(), `Please ask @[Bruno Costa](user:${bruno.id}) about #[Order question](conversation:${other}) `)
  await page.check('input[name=internal]')
  await reply().press('Enter')
  const note = messageItem(page, 'Please ask')
  await note.waitFor()
  t.equal(await note.locator('.message-body').textContent(), 'Please ask @Bruno Costa about #Order question', 'the markup reads as names')
  t.equal(await note.locator('.mention-conversation').getAttribute('href'), `#/conversations/${other}`)
  await page.uncheck('input[name=internal]')

  await note.locator('.mention-conversation').click()
  await page.locator(`.conversation[data-conversation-id="${other}"]`).waitFor()
  await page.goBack()
  await page.locator(`.conversation[data-conversation-id="${id}"]`).waitFor()
  await messageItem(page, 'Please ask').locator('.mention-user').click()
  t.equal(await page.locator('select[name=assigneeId]').inputValue(), bruno.id, 'a colleague mention lists their conversations')
  await page.click('.tab >> text=Unanswered')
})

t.test('/id shows the chat id; /rename renames it for staff', async (t) => {
  await reply().fill('/id')
  await reply().press('Enter')
  t.equal(await page.locator('.notice').textContent(), `Chat id: ${id} ×`)
  t.equal(await reply().inputValue(), '', 'the command is not sent')

  await reply().fill('/ren')
  await page.locator('.suggestions li', { hasText: '/rename <title>' }).waitFor()
  await reply().press('Enter')
  t.equal(await reply().inputValue(), '/rename ', 'picking a command completes it')
  await reply().pressSequentially('Delivery issue')
  await reply().press('Enter')
  await page.locator('.conversation-header h2', { hasText: 'Delivery issue' }).waitFor()
  const title = (await admin.query('query($id: ID!) { conversation(id: $id) { title } }', { id })).data.conversation.title
  t.equal(title, 'Delivery issue')
  t.notOk((await messages()).some(m => m.body.includes('rename')), 'no message was written')
})

t.test('/quote quotes the selected message', async (t) => {
  await reply().fill('/quote')
  await reply().press('Enter')
  t.equal(await page.locator('.reply .form-error').textContent(), 'Click a message first, then use /quote.')
  await messageItem(page, 'I need help with order 77').click()
  t.match(await messageItem(page, 'I need help with order 77').getAttribute('class'), /\bselected\b/)
  await reply().fill('/quote We are on it')
  await reply().press('Enter')
  const quoted = messageItem(page, 'We are on it')
  await quoted.waitFor()
  t.match(await quoted.locator('.quote').textContent(), 'I need help with order 77')
  const clientMessage = (await messages()).find(m => m.body === 'I need help with order 77')
  t.equal((await messages()).find(m => m.body === 'We are on it')?.quoteMessageId, clientMessage?.id, 'sent as a quote')

  // The menu's Quote sets the quote for the next reply. No plugin adds actions on this server.
  await messageItem(page, 'I need help with order 77').locator('.menu-button').click()
  t.same(await page.locator('.message-menu button').evaluateAll(list => list.map(b => b.getAttribute('data-action'))), ['quote', 'split'], 'core actions only')
  t.equal(await page.locator('.quick-answers-button').count(), 0, 'no quick answers without the plugin')
  await page.click('.message-menu [data-action=quote]')
  t.match(await page.locator('.quoting').textContent(), 'I need help with order 77')
  await page.click('.quoting button')
  t.equal(await page.locator('.quoting').count(), 0, 'the quote can be dropped')
})

t.test('emoji are inserted at the caret', async (t) => {
  await reply().fill('Thanks ')
  await page.click('.emoji-toggle')
  await page.click('.emoji-picker button >> text=👍')
  t.equal(await reply().inputValue(), 'Thanks 👍')
  await reply().press('Enter')
  await messageItem(page, 'Thanks 👍').waitFor()
  await until('delivered with the emoji', async () => provider.sent().map(s => s.text), texts => texts.includes('Thanks 👍'))
})

t.test('attachments are uploaded, sent, and shown from signed links', async (t) => {
  await page.setInputFiles('.attach input[type=file]', [
    { name: 'label.png', mimeType: 'image/png', buffer: png },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('plain notes') }
  ])
  await page.locator('.uploads .chip', { hasText: 'notes.txt' }).waitFor()
  await page.locator('.uploads .chip', { hasText: 'label.png' }).waitFor()
  await reply().fill('Here is the label')
  await reply().press('Enter')
  const sent = messageItem(page, 'Here is the label')
  await sent.waitFor()
  const image = sent.locator('.attachment.image img')
  await image.waitFor()
  t.match(await image.getAttribute('src'), `${h.url}/files/`)
  await until('the image loaded under the CSP', () => image.evaluate(img => (img as HTMLImageElement).naturalWidth), w => w === 1)
  const file = sent.locator('.attachment.file a', { hasText: 'notes.txt' })
  t.equal(await file.getAttribute('rel'), 'noopener noreferrer')
  const stored = (await messages()).find(m => m.body === 'Here is the label')
  t.same(stored?.attachments.map((a: { name: string }) => a.name).sort(), ['label.png', 'notes.txt'])
  t.equal(await page.locator('.uploads').count(), 0, 'the box is empty again')
  await page.screenshot({ path: artifactPath('console-reply-tools.png') })
  t.same(await c.problems(), [], 'no errors or CSP violations')
})
