// Issue #4's journey, as people do it, in headless Chromium: a visitor writes through the web-chat
// widget → an agent in the console sees it in Unanswered with a notification → answers → the
// visitor sees the reply → the agent writes a hidden note the visitor never sees → transfers to a
// colleague who sees the history → the colleague closes → the visitor sees the closing text.
// Screenshots of both sides: var/artifacts/journey-*.png.
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { artifactPath, buildTestApp, launchBrowser, until, untilEqual } from '@openline/testing'
import queueEvenly from '@openline/plugin-queue-evenly'
import automation from '@openline/plugin-automation'
import webchat from '@openline/plugin-channel-webchat'
import { consolePlugin } from '@openline/plugin-console'
import ratings from '@openline/plugin-ratings'
import { messageItem, openConsolePage, setTabHidden, signIn } from '../plugins/console/test/helpers.ts'

const h = await buildTestApp({ plugins: [queueEvenly, automation, webchat, consolePlugin, ratings], config: { jobs: { sweepIntervalMs: 300, process: true } } })
const admin = await h.login(h.admin.email, h.admin.password)
const ana = await h.createAgent({ name: 'Ana Lima' })
const bruno = await h.createAgent({ name: 'Bruno Costa' })

async function must<T> (what: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await admin.query<T>(query, variables)
  if (res.errors !== undefined || res.data === undefined) throw new Error(`${what}: ${JSON.stringify(res.errors)}`)
  return res.data
}

// The shop's open channel: routed to Ana, a closing text with time to rate (hold after close), and a widget.
const { createOpenChannel: shop } = await must<{ createOpenChannel: { id: string } }>('channel', 'mutation { createOpenChannel(input: { name: "Parcel Shop" }) { id } }', {})
await must('queue', 'mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "queue", values: $v) { id } }',
  { id: shop.id, v: { strategy: 'evenly', strategySettings: { idleTimeoutSec: 0 }, members: [{ userId: ana.id }], checkAvailability: false } })
await must('automatic actions', 'mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "automaticActions", values: $v) { id } }',
  { id: shop.id, v: { closing: { enabled: true }, holdAfterCloseSec: 300 } })
await must('quality', 'mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "quality", values: $v) { id } }',
  { id: shop.id, v: { askAtEnd: true, closeOnRating: true } })
const { connectChannel: widget } = await must<{ connectChannel: { externalAccountId: string } }>('widget',
  'mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { externalAccountId } }', { i: { openChannelId: shop.id, connector: 'webchat', settings: { title: 'Parcel Shop help' } } })

let browser: Browser
t.before(async () => { browser = await launchBrowser() })
t.teardown(async () => {
  await browser?.close()
  await h.close()
})

/** The widget's message texts (it renders into an open shadow root, which locators pierce). */
const widgetTexts = async (page: Page): Promise<string[]> => page.locator('.bubble').allTextContents()
const widgetShows = async (page: Page, text: string): Promise<void> => {
  await until(`the visitor sees "${text}"`, () => widgetTexts(page), texts => texts.some(x => x.includes(text)), 15_000)
}
const conversation = async (id: string): Promise<Record<string, any>> =>
  (await admin.query('query($id: ID!) { conversation(id: $id) { status assigneeId acceptedAt } }', { id })).data.conversation

t.test('visitor → Unanswered with a notification → answer → reply → hidden note → transfer → close', async (t) => {
  // The agent is at work in the console, the tab in the background.
  const anaConsole = await openConsolePage(browser, h.url, { notifications: true })
  t.teardown(() => anaConsole.context.close())
  const console = anaConsole.page
  await signIn(console, ana.email, ana.password)
  await setTabHidden(console, true)

  // A visitor opens the shop's page with the widget and writes.
  const visitorContext = await browser.newContext({ viewport: { width: 1100, height: 800 } })
  t.teardown(() => visitorContext.close())
  const visitor = await visitorContext.newPage()
  const visitorDialogs: string[] = []
  visitor.on('dialog', (d) => { visitorDialogs.push(d.message()); void d.dismiss() })
  await visitor.goto(`${h.url}/plugins/channel-webchat/demo/${widget.externalAccountId}`)
  await visitor.locator('button.launcher').click()
  await visitor.locator('textarea').fill('Hi, my parcel 4711 is late')
  await visitor.locator('textarea').press('Enter')
  await widgetShows(visitor, 'Hi, my parcel 4711 is late')

  // Ana: Unanswered, a toast, the title badge and a browser notification.
  const item = console.locator('.unanswered-list .list-item.offered')
  await item.waitFor({ timeout: 15_000 })
  const id = String(await item.getAttribute('data-conversation-id'))
  await console.locator('.toast', { hasText: 'New conversation' }).waitFor()
  await untilEqual('title badge', () => console.title(), '(1) Openline')
  await until('a browser notification', () => anaConsole.notifications(), list => list.some(n => n.title.startsWith('New conversation') && n.body === 'Hi, my parcel 4711 is late'))
  await setTabHidden(console, false)
  await console.screenshot({ path: artifactPath('journey-console-unanswered.png') })

  // Answer, then reply: the visitor sees it.
  await item.locator('button.answer').click()
  await console.locator(`.conversation[data-conversation-id="${id}"]`).waitFor()
  await until('answered by Ana', () => conversation(id), c => c.assigneeId === ana.id && c.acceptedAt !== null)
  t.equal(await messageItem(console, 'parcel 4711').locator('.channel-mark').textContent(), 'Web chat', 'marked with its channel (K7)')
  // Typing shows both ways (E10).
  await visitor.locator('textarea').pressSequentially('It was due Monday')
  await until('Ana sees the visitor typing', () => console.locator('.conversation .typing').allTextContents(), texts => texts.some(x => x.includes('is typing')), 15_000)
  await console.locator('textarea[name=reply]').pressSequentially('Sorry about that!')
  await until('the visitor sees Ana typing', () => visitor.locator('.typing').allTextContents(), texts => texts.some(x => x.includes('Typing')), 15_000)
  await console.locator('textarea[name=reply]').pressSequentially(' Let me check.')
  await console.press('textarea[name=reply]', 'Enter')
  await widgetShows(visitor, 'Sorry about that! Let me check.')
  await visitor.locator('textarea').press('Enter')
  await messageItem(console, 'It was due Monday').waitFor()

  // A hidden note, then another reply: the visitor gets the reply and never the note.
  await console.check('input[name=internal]')
  await console.fill('textarea[name=reply]', 'Courier lost it, offer a refund')
  await console.press('textarea[name=reply]', 'Enter')
  t.match(await messageItem(console, 'Courier lost it').getAttribute('class'), /\binternal\b/, 'grey in the console')
  await console.uncheck('input[name=internal]')
  await console.fill('textarea[name=reply]', 'It arrives tomorrow, or we refund you.')
  await console.press('textarea[name=reply]', 'Enter')
  await widgetShows(visitor, 'It arrives tomorrow, or we refund you.')
  t.notOk((await widgetTexts(visitor)).some(x => x.includes('Courier')), 'the note never reaches the visitor')
  await console.screenshot({ path: artifactPath('journey-console-conversation.png') })
  await visitor.screenshot({ path: artifactPath('journey-widget-chat.png') })

  // Transfer to Bruno, who sees the whole history in his own browser.
  const brunoConsole = await openConsolePage(browser, h.url)
  t.teardown(() => brunoConsole.context.close())
  await signIn(brunoConsole.page, bruno.email, bruno.password)
  await console.click('.action-transfer')
  await console.selectOption('.dialog-transfer select[name=toUserId]', bruno.id)
  await console.click('.dialog-transfer button[type=submit]')
  await until('Bruno has it', () => conversation(id), c => c.assigneeId === bruno.id)
  const told = brunoConsole.page.locator('.toast', { hasText: 'Assigned to you' })
  await told.waitFor()
  await told.locator('.toast-body').click()
  await brunoConsole.page.locator(`.conversation[data-conversation-id="${id}"]`).waitFor()
  for (const text of ['Hi, my parcel 4711 is late', 'It was due Monday', 'Sorry about that! Let me check.', 'Courier lost it, offer a refund', 'It arrives tomorrow, or we refund you.']) {
    await messageItem(brunoConsole.page, text).waitFor()
  }
  await brunoConsole.page.screenshot({ path: artifactPath('journey-console-transferred.png') })

  // Bruno closes; the visitor sees the closing text while the conversation is held for rating.
  await brunoConsole.page.click('.action-close')
  await until('closing', () => conversation(id), c => c.status === 'closing' || c.status === 'closed')
  await widgetShows(visitor, 'Thank you for contacting Parcel Shop')
  // The visitor rates with the button under the question; the rating reaches the conversation and closes it.
  await widgetShows(visitor, 'Please rate our conversation')
  await visitor.locator('.buttons button').first().click()
  await widgetShows(visitor, 'Thank you')
  const rated = await until('the rating is stored', async () => (await admin.query('query($id: ID!) { conversation(id: $id) { status rating { client { value } } } }', { id })).data.conversation,
    c => c.rating?.client?.value === 'like' && c.status === 'closed')
  t.equal(rated.rating.client.value, 'like', 'the visitor liked it')
  await visitor.screenshot({ path: artifactPath('journey-widget-closed.png') })

  t.notOk((await widgetTexts(visitor)).some(x => x.includes('Courier')), 'still no note for the visitor')
  t.same(visitorDialogs, [], 'no dialogs on the visitor\'s page')
  t.same(anaConsole.dialogs, [], 'none in the console')
  t.same(await anaConsole.problems(), [], 'no errors or CSP violations in Ana\'s console')
  t.same(await brunoConsole.problems(), [], 'nor in Bruno\'s')
})
