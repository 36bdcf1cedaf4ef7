// K2/K3/K5/K6 in the browser: skip, silent mode, lock as mine, invite without history, edit and
// delete, split here and the client's history, transfer to another open channel, take over, spam,
// and plugin actions through the console's action registry (shown only when the schema has them).
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { artifactPath, buildTestApp, createTestChannel, launchBrowser, startFakeProvider, testConnectorPlugin, until, untilEqual } from '@openline/testing'
import queueEvenly from '@openline/plugin-queue-evenly'
import { consolePlugin } from '../src/index.ts'
import { fixtureActionsPlugin, type FixtureCalls } from './fixturePlugin.ts'
import { messageItem, openConsolePage, signIn, type ConsolePage } from './helpers.ts'

const calls: FixtureCalls = { tasks: [], feed: [], ratingsAsked: [], quickAnswersUsed: [] }
const provider = await startFakeProvider()
const h = await buildTestApp({ plugins: [testConnectorPlugin, queueEvenly, consolePlugin, fixtureActionsPlugin(calls)], config: { jobs: { sweepIntervalMs: 300, process: true } } })
const admin = await h.login(h.admin.email, h.admin.password)
const ana = await h.createAgent({ name: 'Ana Lima' })
const bruno = await h.createAgent({ name: 'Bruno Costa' })
const carla = await h.createAgent({ name: 'Carla Dias' })
const routing = (members: string[]): Record<string, unknown> => ({ strategy: 'evenly', strategySettings: { idleTimeoutSec: 0 }, members: members.map(userId => ({ userId })), checkAvailability: false })
const sales = await createTestChannel(h, admin, provider, { name: 'Sales', queue: routing([ana.id]), secret: 'sales-secret-1' })
const shared = await createTestChannel(h, admin, provider, { name: 'Shared', queue: routing([ana.id, bruno.id]), secret: 'shared-secret-1' })
const billing = await createTestChannel(h, admin, provider, { name: 'Billing', secret: 'billing-secret-1' })

let browser: Browser
let anaConsole: ConsolePage
let page: Page
t.before(async () => {
  browser = await launchBrowser()
  anaConsole = await openConsolePage(browser, h.url)
  page = anaConsole.page
  await signIn(page, ana.email, ana.password)
})
t.teardown(async () => {
  await browser?.close()
  await h.close()
  await provider.close()
})

const conversation = async (id: string): Promise<Record<string, any>> =>
  (await admin.query('query($id: ID!) { conversation(id: $id) { status assigneeId openChannelId silent pinnedUntil pinnedById acceptedAt participants { userId role seesHistory } } }', { id })).data.conversation
const messages = async (id: string): Promise<Record<string, any>[]> =>
  (await admin.query('query($id: ID!) { messages(conversationId: $id, last: 100) { nodes { id body visibility editedAt deletedAt } } }', { id })).data.messages.nodes
const show = async (id: string): Promise<void> => {
  await page.evaluate((hash) => { location.hash = hash }, `#/conversations/${id}`)
  await page.locator(`.conversation[data-conversation-id="${id}"]`).waitFor()
}
const menu = async (text: string, action: string): Promise<void> => {
  await messageItem(page, text).locator('.menu-button').click()
  await page.click(`.message-menu [data-action=${action}]`)
}
const send = async (text: string): Promise<void> => {
  await page.fill('textarea[name=reply]', text)
  await page.press('textarea[name=reply]', 'Enter')
  await messageItem(page, text).waitFor()
}

t.test('Skip passes an offer to the next agent and drops it from Unanswered', async (t) => {
  const { conversationId: id } = await shared.inbound('client-skip', 'Who is there?')
  await until('offered to Ana', () => conversation(id), c => c.assigneeId === ana.id)
  const item = page.locator(`.unanswered-list .list-item[data-conversation-id="${id}"]`)
  await item.locator('button.skip').click()
  await until('offered to Bruno', () => conversation(id), c => c.assigneeId === bruno.id)
  await item.waitFor({ state: 'detached' })
  t.pass('gone from Ana\'s Unanswered')
  await untilEqual('no longer counted in the title badge', () => page.title(), 'Openline')
})

let id = ''
t.test('answer from the conversation header, then silent mode', async (t) => {
  ;({ conversationId: id } = await sales.inbound('client-actions', 'I want to buy 3 chairs'))
  await until('offered to Ana', () => conversation(id), c => c.assigneeId === ana.id)
  await show(id)
  await page.click('.conversation-header button.answer')
  await until('answered', () => conversation(id), c => c.acceptedAt !== null)
  await page.locator('.conversation-header button.answer').waitFor({ state: 'detached' })

  await page.click('.action-silent')
  await until('silent on', () => conversation(id), c => c.silent === true)
  await page.locator('.conversation-header .badge-silent').waitFor()
  await page.locator('.reply .silent-banner').waitFor()
  t.ok(await page.locator('input[name=internal]').isChecked(), 'replies are notes while silent')
  t.ok(await page.locator('input[name=internal]').isDisabled())
  await send('Checking stock with the warehouse')
  t.equal((await messages(id)).find(m => m.body === 'Checking stock with the warehouse')?.visibility, 'internal', 'stored as internal')
  t.match(await messageItem(page, 'Checking stock').getAttribute('class'), /\binternal\b/)
  await page.click('.action-silent')
  await until('silent off', () => conversation(id), c => c.silent === false)
  await page.locator('.reply .silent-banner').waitFor({ state: 'detached' })
})

t.test('lock as mine for a while, then unlock', async (t) => {
  await page.click('.action-pin')
  await page.click('.dialog-pin .presets button >> text=4 hours')
  t.equal(await page.inputValue('.dialog-pin input[name=minutes]'), '240')
  await page.click('.dialog-pin button[type=submit]')
  const pinned = await until('pinned', () => conversation(id), c => c.pinnedUntil !== null)
  const minutes = (new Date(pinned.pinnedUntil).getTime() - Date.now()) / 60_000
  t.ok(minutes > 230 && minutes <= 240, `locked for about 4 hours (${minutes.toFixed(1)} min)`)
  t.equal(pinned.pinnedById, ana.id)
  t.match(await page.locator('.badge-pinned').textContent(), 'locked by Ana Lima')
  await page.click('.action-unpin')
  await until('unpinned', () => conversation(id), c => c.pinnedUntil === null)
  await page.locator('.badge-pinned').waitFor({ state: 'detached' })
})

t.test('invite a colleague without the history', async (t) => {
  await page.click('.action-invite')
  await page.selectOption('.dialog-invite select[name=userId]', carla.id)
  await page.uncheck('.dialog-invite input[name=withHistory]')
  await page.click('.dialog-invite button[type=submit]')
  const c = await until('Carla invited', () => conversation(id), c => c.participants.some((p: { userId: string }) => p.userId === carla.id))
  t.same(c.participants.find((p: { userId: string }) => p.userId === carla.id), { userId: carla.id, role: 'invited', seesHistory: false })
  await untilEqual('listed in the header', async () => (await page.locator('.conversation-people').textContent())?.includes('Carla Dias (invited, no history)'), true)
  await send('Carla, can you check the stock?')

  // Carla sees only what was written since she joined, and can leave again.
  const carlaConsole = await openConsolePage(browser, h.url, { hash: `#/conversations/${id}` })
  t.teardown(() => carlaConsole.context.close())
  await signIn(carlaConsole.page, carla.email, carla.password)
  await messageItem(carlaConsole.page, 'Carla, can you check the stock?').waitFor()
  t.equal(await messageItem(carlaConsole.page, 'I want to buy 3 chairs').count(), 0, 'no history from before the invitation')
  t.equal(await carlaConsole.page.locator('.action-transfer').count(), 0, 'an invited colleague does not run the conversation')
  await carlaConsole.page.click('.action-leave')
  await carlaConsole.page.click('.dialog-confirm button.primary')
  await carlaConsole.page.locator('.action-leave').waitFor({ state: 'detached' })
  const left = (await admin.query('query($id: ID!) { conversation(id: $id) { participants { userId leftAt } } }', { id })).data.conversation.participants.find((p: { userId: string }) => p.userId === carla.id)
  t.not(left?.leftAt ?? null, null, 'left on the server')
  await untilEqual('Ana sees her gone', async () => (await page.locator('.conversation-people').textContent())?.includes('Carla Dias'), false)
  t.same(await carlaConsole.problems(), [])
})

t.test('edit and delete an own message', async (t) => {
  await send('The price is 10 EUR')
  await menu('The price is 10 EUR', 'edit')
  await page.fill('.edit-form textarea', 'The price is 12 EUR')
  await page.click('.edit-form button[type=submit]')
  const edited = messageItem(page, 'The price is 12 EUR')
  await edited.locator('.edited-mark').waitFor()
  t.ok((await messages(id)).some(m => m.body === 'The price is 12 EUR' && m.editedAt !== null), 'edited on the server')

  await menu('The price is 12 EUR', 'delete')
  await page.click('.dialog-confirm button.primary')
  await edited.locator('.deleted-mark').waitFor()
  t.not((await messages(id)).find(m => m.body === 'The price is 12 EUR')?.deletedAt ?? null, null, 'deleted on the server')
  await messageItem(page, 'I want to buy 3 chairs').locator('.menu-button').click()
  t.equal(await page.locator('.message-menu [data-action=edit]').count(), 0, 'a client message cannot be edited')
  t.equal(await page.locator('.message-menu [data-action=delete]').count(), 0, 'nor deleted')
  await messageItem(page, 'I want to buy 3 chairs').locator('.menu-button').click()
  t.equal(await page.locator('.message-menu').count(), 0, 'the menu closes again')
})

t.test('plugin actions appear because the schema has them, and run with the console\'s arguments', async (t) => {
  await messageItem(page, 'I want to buy 3 chairs').locator('.menu-button').click()
  const menuItems = await page.locator('.message-menu button').evaluateAll(list => list.map(b => b.getAttribute('data-action')))
  t.same(menuItems, ['quote', 'createTaskFromMessage', 'postMessageToFeed', 'split'], 'only the actions this server has')
  const clientMessage = (await messages(id)).find(m => m.body === 'I want to buy 3 chairs')
  t.ok(clientMessage !== undefined)

  // A task: the form comes from the plugin's input type.
  await page.click('.message-menu [data-action=createTaskFromMessage]')
  const dialog = page.locator('.dialog-action')
  await dialog.locator('input[name="input.title"]').waitFor()
  t.equal(await dialog.locator('input[name="input.title"]').inputValue(), 'I want to buy 3 chairs', 'the title starts as the message')
  t.equal(await dialog.locator('textarea[name="input.description"]').inputValue(), 'I want to buy 3 chairs')
  await dialog.locator('input[name="input.title"]').fill('Quote 3 chairs')
  await dialog.locator('select[name="input.assigneeId"]').selectOption(bruno.id)
  await dialog.locator('input[name="input.dueAt"]').fill('2030-05-04T10:30')
  await dialog.locator('button[type=submit]').click()
  const link = dialog.locator('.action-outcome a[target=_blank]')
  await link.waitFor()
  t.equal(await dialog.locator('.action-outcome a.next-link').getAttribute('href'), '#/tasks', 'the registry\'s follow-up is offered')
  t.equal(await link.getAttribute('href'), 'https://calendar.example/tasks/1.ics', 'links in the result are offered')
  t.equal(await link.getAttribute('rel'), 'noopener noreferrer')
  t.equal(calls.tasks.length, 1)
  const task = calls.tasks[0]
  t.equal(task.messageId, clientMessage?.id, 'the message id is filled in by the console')
  t.same({ ...task.input, dueAt: undefined }, { title: 'Quote 3 chairs', assigneeId: bruno.id, description: 'I want to buy 3 chairs', dueAt: undefined })
  t.ok(task.input.dueAt instanceof Date, 'the due date went as a DateTime')
  // The browser's local time, as the agent typed it.
  t.equal((task.input.dueAt as Date).getTime(), await page.evaluate(() => new Date('2030-05-04T10:30').getTime()))
  await dialog.locator('.dialog-actions button', { hasText: 'Close' }).click()

  // An action without anything to ask runs at once.
  await menu('I want to buy 3 chairs', 'postMessageToFeed')
  await page.locator('.toast', { hasText: 'Post to feed: done' }).waitFor()
  t.same(calls.feed, [clientMessage?.id])

  // A conversation action of the registry (#6: asking for a rating).
  t.equal(await page.locator('.conversation-actions [data-action=saveConversationToCrm]').count(), 0, 'absent from the schema: hidden')
  await page.click('.conversation-actions [data-action=askForRating]')
  await page.locator('.toast', { hasText: 'Ask for rating: done' }).waitFor()
  t.same(calls.ratingsAsked, [id])

  // Quick answers: search, insert what the plugin filled in, count the use.
  await page.click('.quick-answers-button')
  await page.fill('.dialog-quick-answers input[name=search]', 'ship')
  await untilEqual('filtered', () => page.locator('.dialog-quick-answers .quick-answer').count(), 1)
  await page.click('.dialog-quick-answers .quick-answer >> text=Shipping times')
  await untilEqual('inserted', () => page.inputValue('textarea[name=reply]'), 'Orders ship within 2 working days.')
  t.same(calls.quickAnswersUsed, [{ id: '2', conversationId: id }])
  await page.fill('textarea[name=reply]', '')
  await page.click('.quick-answers-button')
  await untilEqual('both listed', () => page.locator('.dialog-quick-answers .quick-answer').count(), 2)
  await page.press('.dialog-quick-answers input[name=search]', 'Enter')
  await untilEqual('the first, with its variable filled in', () => page.inputValue('textarea[name=reply]'), 'Hello Maria! How can I help you today?')
  await page.fill('textarea[name=reply]', '')
  await page.screenshot({ path: artifactPath('console-actions.png') })
})

t.test('split here starts a new conversation; History lists both', async (t) => {
  await sales.inbound('client-actions', 'Also, do you deliver on Sundays?')
  await messageItem(page, 'deliver on Sundays').waitFor()
  await menu('deliver on Sundays', 'split')
  await page.click('.dialog-confirm button.primary')
  await until('moved to a new conversation', async () => page.evaluate(() => location.hash), hash => hash !== `#/conversations/${id}`)
  const next = (await page.evaluate(() => location.hash)).split('/').pop() as string
  await page.locator(`.conversation[data-conversation-id="${next}"]`).waitFor()
  await messageItem(page, 'deliver on Sundays').waitFor()
  t.equal((await conversation(id)).status, 'closed', 'the old one is closed')

  await page.click('.action-history')
  const rows = page.locator('.dialog-history .history-list li')
  await untilEqual('both conversations listed', () => rows.count(), 2)
  await page.click(`.dialog-history li[data-conversation-id="${id}"] button`)
  await page.locator(`.conversation[data-conversation-id="${id}"]`).waitFor()
  await messageItem(page, 'I want to buy 3 chairs').waitFor()
  await show(next)
  id = next
})

t.test('transfer to another open channel', async (t) => {
  await page.click('.action-transfer')
  await page.check('.dialog-transfer input[value=channel]')
  await page.selectOption('.dialog-transfer select[name=toOpenChannelId]', billing.id)
  await page.click('.dialog-transfer button[type=submit]')
  const moved = await until('in Billing', () => conversation(id), c => c.openChannelId === billing.id)
  t.equal(moved.assigneeId, null, 'waiting in the Billing queue')
})

t.test('a supervisor takes over, then marks spam', async (t) => {
  const { conversationId: taken } = await sales.inbound('client-spam', 'BUY CHEAP WATCHES')
  await until('Ana has it', () => conversation(taken), c => c.assigneeId === ana.id)
  const boss = await openConsolePage(browser, h.url, { hash: `#/conversations/${taken}` })
  t.teardown(() => boss.context.close())
  await signIn(boss.page, h.admin.email, h.admin.password)
  await boss.page.locator(`.conversation[data-conversation-id="${taken}"]`).waitFor()
  await boss.page.click('.action-takeOver')
  await until('taken over', () => conversation(taken), c => c.assigneeId === h.admin.id)
  await untilEqual('header', () => boss.page.locator('.conversation-header .assignee').textContent(), 'Test Admin')
  await boss.page.click('.action-spam')
  await boss.page.click('.dialog-confirm button.primary')
  await until('closed as spam', () => conversation(taken), c => c.status === 'closed')
  await boss.page.locator('.conversation-header .status-closed').waitFor()
  t.same(await boss.problems(), [])
  t.same(await anaConsole.problems(), [], 'no errors or CSP violations in Ana\'s browser')
})
