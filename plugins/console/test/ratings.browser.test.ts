// #6 ratings in the console: an agent asks for a rating, the client's 👍 shows live in the
// conversation and in the list's rating column; a supervisor gives stars with a comment (field
// errors shown), and the agent sees them arrive; agents get no "Rate" button.
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { artifactPath, buildTestApp, createTestChannel, launchBrowser, startFakeProvider, testConnectorPlugin, until, untilEqual } from '@openline/testing'
import queueEvenly from '@openline/plugin-queue-evenly'
import ratingsPlugin from '../../ratings/src/index.ts'
import { consolePlugin } from '../src/index.ts'
import { messageItem, openConsolePage, signIn, type ConsolePage } from './helpers.ts'

const provider = await startFakeProvider()
const h = await buildTestApp({ plugins: [testConnectorPlugin, queueEvenly, ratingsPlugin, consolePlugin], config: { jobs: { sweepIntervalMs: 300, process: true } } })
const admin = await h.login(h.admin.email, h.admin.password)
const ana = await h.createAgent({ name: 'Ana Lima' })
const channel = await createTestChannel(h, admin, provider, {
  name: 'Support',
  secret: 'ratings-secret-1',
  queue: { strategy: 'evenly', strategySettings: { idleTimeoutSec: 0 }, members: [{ userId: ana.id }], checkAvailability: false }
})
const saved = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "quality", values: $v) { id } }', { id: channel.id, v: { duringConversation: true } })
if (saved.errors !== undefined) throw new Error(JSON.stringify(saved.errors))

const rating = async (id: string): Promise<Record<string, any> | null> =>
  (await admin.query('query($id: ID!) { conversation(id: $id) { rating { client { value } supervisor { stars comment } } } }', { id })).data.conversation.rating

let browser: Browser
let anaConsole: ConsolePage
let page: Page
let id = ''
t.before(async () => {
  ;({ conversationId: id } = await channel.inbound('client-rating', 'My parcel arrived, thanks'))
  await until('offered to Ana', async () => (await admin.query('query($id: ID!) { conversation(id: $id) { assigneeId } }', { id })).data.conversation, c => c.assigneeId === ana.id)
  browser = await launchBrowser()
  anaConsole = await openConsolePage(browser, h.url, { hash: `#/conversations/${id}` })
  page = anaConsole.page
  await signIn(page, ana.email, ana.password)
  await messageItem(page, 'My parcel arrived').waitFor()
})
t.teardown(async () => {
  await browser?.close()
  await h.close()
  await provider.close()
})

t.test('the agent asks; the client\'s like shows in the conversation and the list, live', async (t) => {
  const panel = page.locator('.rating-panel')
  t.equal(await panel.locator('.client-rating-line').textContent(), 'Client: not rated')
  t.equal(await panel.locator('.rate-button').count(), 0, 'agents do not rate with stars')
  await page.click('.conversation-actions [data-action=askForRating]')
  await page.locator('.toast', { hasText: 'Ask for rating: done' }).waitFor()
  await messageItem(page, 'Please rate our conversation').waitFor()
  await untilEqual('asked, in the panel', async () => (await panel.locator('.client-rating-line').textContent())?.startsWith('Client asked'), true)

  await page.click('.tabs button:has-text("Conversations")')
  const row = page.locator(`.conversation-table tr[data-conversation-id="${id}"]`)
  t.equal(await row.locator('.col-rating').textContent(), '—', 'not rated yet in the list')

  await channel.inbound('client-rating', '1')
  await until('stored', () => rating(id), r => r?.client?.value === 'like')
  await panel.locator('.client-rating-like').waitFor()
  t.match(await panel.locator('.client-rating-line').textContent(), /👍 liked/)
  await row.locator('.col-rating .client-rating-like').waitFor()
  t.equal(await row.locator('.col-rating').textContent(), '👍', 'the rating column shows it')
  await page.locator('.conversation-actions [data-action=askForRating]').waitFor({ state: 'detached' })
  t.pass('no more asking once rated')
})

t.test('a supervisor gives stars with a comment; field errors are shown; the agent sees it live', async (t) => {
  const boss = await openConsolePage(browser, h.url, { hash: `#/conversations/${id}` })
  t.teardown(() => boss.context.close())
  await signIn(boss.page, h.admin.email, h.admin.password)
  const panel = boss.page.locator('.rating-panel')
  await panel.locator('.client-rating-like').waitFor()
  await panel.locator('.rate-button').click()
  const dialog = boss.page.locator('.dialog-rate')
  await dialog.locator('textarea[name=comment]').fill('Friendly and quick')
  await dialog.locator('button[type=submit]').click()
  await untilEqual('the server\'s field error', () => dialog.locator('.field-error').textContent(), 'Must be a whole number from 1 to 5')
  t.equal(await rating(id).then(r => r?.supervisor ?? null), null, 'nothing stored')

  await dialog.locator('label.star').nth(3).click()
  t.equal(await dialog.locator('label.star.on').count(), 4, 'four stars chosen')
  await dialog.locator('button[type=submit]').click()
  await dialog.waitFor({ state: 'detached' })
  t.same((await rating(id))?.supervisor, { stars: 4, comment: 'Friendly and quick' }, 'stored')
  t.equal(await panel.locator('.stars').textContent(), '★★★★☆')
  t.equal(await panel.locator('.rating-comment').textContent(), 'Friendly and quick')
  t.equal(await panel.locator('.rate-button').textContent(), 'Change rating')

  // Ana's console hears of it (conversationRated): the panel and the list row.
  await page.locator('.rating-panel .stars').waitFor()
  t.equal(await page.locator('.rating-panel .rating-comment').textContent(), 'Friendly and quick')
  await page.locator(`.conversation-table tr[data-conversation-id="${id}"] .col-rating .stars`).waitFor()
  t.equal(await page.locator(`.conversation-table tr[data-conversation-id="${id}"] .col-rating`).textContent(), '👍★★★★☆')
  await page.screenshot({ path: artifactPath('console-ratings.png') })
  t.same(await boss.problems(), [])
  t.same(await anaConsole.problems(), [], 'no errors or CSP violations')
})
