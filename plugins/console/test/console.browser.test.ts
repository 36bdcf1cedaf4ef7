// The agent's day in a real browser (headless Chromium): sign in, a conversation arrives in
// Unanswered with a toast, a title badge and a browser notification, answer it, reply, write a
// hidden note, transfer it to a colleague who sees the whole history in their own browser, close.
import t from 'tap'
import type { Browser } from 'playwright-core'
import { artifactPath, buildTestApp, createTestChannel, launchBrowser, startFakeProvider, testConnectorPlugin, until, untilEqual } from '@openline/testing'
import queueEvenly from '@openline/plugin-queue-evenly'
import { consolePlugin } from '../src/index.ts'
import { messageItem, openConsolePage, setTabHidden, signIn } from './helpers.ts'

const provider = await startFakeProvider()
const h = await buildTestApp({ plugins: [testConnectorPlugin, queueEvenly, consolePlugin], config: { jobs: { sweepIntervalMs: 300, process: true } } })
const admin = await h.login(h.admin.email, h.admin.password)
const ana = await h.createAgent({ name: 'Ana Lima' })
const bruno = await h.createAgent({ name: 'Bruno Costa' })
const channel = await createTestChannel(h, admin, provider, {
  name: 'Support',
  queue: { strategy: 'evenly', strategySettings: { idleTimeoutSec: 0 }, members: [{ userId: ana.id }], checkAvailability: false }
})
let browser: Browser
t.before(async () => { browser = await launchBrowser() })
t.teardown(async () => {
  await browser?.close()
  await h.close()
  await provider.close()
})

const conversationOf = async (id: string): Promise<Record<string, any>> =>
  (await admin.query('query($id: ID!) { conversation(id: $id) { status assigneeId acceptedAt } }', { id })).data?.conversation

t.test('a wrong password is refused with the server\'s message, and nothing else happens', async (t) => {
  const c = await openConsolePage(browser, h.url)
  t.teardown(() => c.context.close())
  await c.page.fill('input[name=email]', ana.email)
  await c.page.fill('input[name=password]', 'not-the-password')
  await c.page.click('button[type=submit]')
  const error = c.page.locator('.login-form .form-error')
  await error.waitFor()
  t.equal(await error.textContent(), 'Wrong e-mail or password')
  t.equal(await c.page.locator('.console').count(), 0, 'still on the login form')
  t.equal(await c.page.evaluate(() => localStorage.getItem('openline.console.token')), null, 'no token kept')
  await c.page.screenshot({ path: artifactPath('console-login-failed.png') })
  t.same(await c.problems(), [], 'no errors in the browser console')
})

t.test('from arrival to close, across two agents\' browsers', async (t) => {
  const anaPage = await openConsolePage(browser, h.url, { notifications: true })
  t.teardown(() => anaPage.context.close())
  const page = anaPage.page
  await signIn(page, ana.email, ana.password)
  t.equal(await page.title(), 'Openline', 'no badge while nothing is new')
  t.equal(await page.locator('.unanswered-count').textContent(), '0')

  // The agent looks elsewhere: the tab is in the background when the client writes.
  await setTabHidden(page, true)
  const first = await channel.inbound('client-ana-1', 'Hello, where is my order #1234?')
  const id = first.conversationId
  const item = page.locator(`.unanswered-list .list-item[data-conversation-id="${id}"]`)
  await item.waitFor()
  t.equal(await page.locator('.unanswered-count').textContent(), '1', 'Unanswered shows the count')
  await page.locator('.toast', { hasText: 'New conversation' }).waitFor()
  await untilEqual('title badge', () => page.title(), '(1) Openline')
  const shown = await until('a browser notification', () => anaPage.notifications(), list => list.length > 0)
  t.match(shown[0].title, /^New conversation: /, 'a system notification while the tab is hidden')
  t.equal(shown[0].body, 'Hello, where is my order #1234?', 'with the client\'s words')
  await setTabHidden(page, false)
  await page.screenshot({ path: artifactPath('console-unanswered.png') })

  // Answer from the Unanswered list: the conversation opens and is the agent's.
  await item.locator('button.answer').click()
  await page.locator(`.conversation[data-conversation-id="${id}"]`).waitFor()
  await until('answered', () => conversationOf(id), c => c.status === 'assigned' && c.assigneeId === ana.id && c.acceptedAt !== null)
  await untilEqual('badge cleared once the conversation is open', () => page.title(), 'Openline')
  await messageItem(page, 'Hello, where is my order #1234?').waitFor()
  t.equal(await messageItem(page, 'where is my order').locator('.channel-mark').textContent(), 'Test', 'the client message carries its channel mark')

  // Reply: reaches the client through the connector.
  await page.fill('textarea[name=reply]', 'It ships today, tracking follows.')
  await page.press('textarea[name=reply]', 'Enter')
  await messageItem(page, 'It ships today').waitFor()
  await until('the reply reached the client', async () => provider.sent().map(s => s.text), texts => texts.includes('It ships today, tracking follows.'))
  await until('delivery shown', () => messageItem(page, 'It ships today').locator('.delivery').textContent(), text => text === 'sent' || text === 'delivered')

  // Hidden note: grey, labelled, never sent to the client.
  await page.check('input[name=internal]')
  await page.fill('textarea[name=reply]', 'VIP customer, be generous')
  await page.press('textarea[name=reply]', 'Enter')
  const note = messageItem(page, 'VIP customer')
  await note.waitFor()
  t.match(await note.getAttribute('class'), /\binternal\b/, 'shown as an internal note')
  t.equal(await note.locator('.hidden-label').textContent(), 'hidden')
  t.equal(await note.evaluate(el => getComputedStyle(el).backgroundColor), 'rgb(236, 238, 241)', 'grey')
  t.equal(await note.locator('.delivery').count(), 0, 'no delivery status: it goes nowhere')
  await page.uncheck('input[name=internal]')
  await page.fill('textarea[name=reply]', 'Anything else I can help with?')
  await page.press('textarea[name=reply]', 'Enter')
  await until('the next reply reached the client', async () => provider.sent().map(s => s.text), texts => texts.includes('Anything else I can help with?'))
  t.notOk(provider.sent().some(s => s.text.includes('VIP')), 'the note never reached the client')
  await page.screenshot({ path: artifactPath('console-conversation.png') })

  // Transfer to Bruno, who is signed in elsewhere.
  const brunoPage = await openConsolePage(browser, h.url)
  t.teardown(() => brunoPage.context.close())
  await signIn(brunoPage.page, bruno.email, bruno.password)
  await page.click('.action-transfer')
  await page.selectOption('.dialog-transfer select[name=toUserId]', bruno.id)
  await page.fill('.dialog-transfer textarea[name=comment]', 'Bruno handles shipping')
  await page.click('.dialog-transfer button[type=submit]')
  await page.locator('.dialog-transfer').waitFor({ state: 'detached' })
  await until('transferred', () => conversationOf(id), c => c.assigneeId === bruno.id)
  await untilEqual('the header shows the new assignee', () => page.locator('.conversation-header .assignee').textContent(), 'Bruno Costa')

  // Bruno is told, and in his own browser sees the whole history, the note included.
  const told = brunoPage.page.locator('.toast', { hasText: 'Assigned to you' })
  await told.waitFor()
  await untilEqual('Bruno\'s title badge', () => brunoPage.page.title(), '(1) Openline')
  await brunoPage.page.click('.tab >> text=Conversations')
  const row = brunoPage.page.locator(`.conversation-table tr[data-conversation-id="${id}"]`)
  await row.waitFor()
  t.equal(await row.locator('.col-assignee').textContent(), 'Bruno Costa', 'listed as his')
  await told.locator('.toast-body').click()
  await brunoPage.page.locator(`.conversation[data-conversation-id="${id}"]`).waitFor()
  for (const text of ['Hello, where is my order #1234?', 'It ships today, tracking follows.', 'VIP customer, be generous', 'Anything else I can help with?']) {
    await messageItem(brunoPage.page, text).waitFor()
  }
  t.match(await messageItem(brunoPage.page, 'VIP customer').getAttribute('class'), /\binternal\b/, 'the note is a note for Bruno too')
  t.equal(await messageItem(brunoPage.page, 'It ships today').locator('.author').textContent(), 'Ana Lima', 'authors are named')
  await untilEqual('seen: no badge', () => brunoPage.page.title(), 'Openline')
  await brunoPage.page.screenshot({ path: artifactPath('console-transferred.png') })

  // Bruno closes it.
  await brunoPage.page.click('.action-close')
  await until('closed', () => conversationOf(id), c => c.status === 'closed' || c.status === 'closing')
  await brunoPage.page.locator('.conversation-header .status-closed, .conversation-header .status-closing').waitFor()
  t.equal(await brunoPage.page.locator('.action-close').count(), 0, 'nothing left to close')

  t.same(anaPage.dialogs, [], 'no alert or confirm dialogs')
  t.same(await anaPage.problems(), [], 'no errors or CSP violations in Ana\'s browser')
  t.same(await brunoPage.problems(), [], 'none in Bruno\'s either')
})
