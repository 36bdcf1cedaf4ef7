// #6 team in the console: "Discuss in staff chat" from a message starts a chat of the
// conversation's staff; the colleague finds it with its unread count, and messages travel live
// both ways; a message posted to the team feed appears live on a colleague's feed page.
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { artifactPath, buildTestApp, createTestChannel, launchBrowser, startFakeProvider, testConnectorPlugin, until, untilEqual } from '@openline/testing'
import queueEvenly from '@openline/plugin-queue-evenly'
import teamPlugin from '../../team/src/index.ts'
import { consolePlugin } from '../src/index.ts'
import { messageItem, openConsolePage, signIn, type ConsolePage } from './helpers.ts'

const provider = await startFakeProvider()
const h = await buildTestApp({ plugins: [testConnectorPlugin, queueEvenly, teamPlugin, consolePlugin], config: { jobs: { sweepIntervalMs: 300, process: true } } })
const admin = await h.login(h.admin.email, h.admin.password)
const ana = await h.createAgent({ name: 'Ana Lima' })
const bruno = await h.createAgent({ name: 'Bruno Costa' })
const channel = await createTestChannel(h, admin, provider, {
  name: 'Sales',
  secret: 'team-secret-123',
  queue: { strategy: 'evenly', strategySettings: { idleTimeoutSec: 0 }, members: [{ userId: ana.id }], checkAvailability: false }
})
const { conversationId: id } = await channel.inbound('client-team', 'Do you have the oak table in stock?')
await until('offered to Ana', async () => (await admin.query('query($id: ID!) { conversation(id: $id) { assigneeId } }', { id })).data.conversation, c => c.assigneeId === ana.id)
const invited = await admin.query('mutation($id: ID!, $u: ID!) { inviteToConversation(id: $id, userId: $u) { id } }', { id, u: bruno.id })
if (invited.errors !== undefined) throw new Error(JSON.stringify(invited.errors))

let browser: Browser
let anaConsole: ConsolePage
let brunoConsole: ConsolePage
let page: Page
let other: Page
t.before(async () => {
  browser = await launchBrowser()
  anaConsole = await openConsolePage(browser, h.url, { hash: `#/conversations/${id}` })
  page = anaConsole.page
  await signIn(page, ana.email, ana.password)
  await messageItem(page, 'oak table').waitFor()
  brunoConsole = await openConsolePage(browser, h.url)
  other = brunoConsole.page
  await signIn(other, bruno.email, bruno.password)
})
t.teardown(async () => {
  await browser?.close()
  await h.close()
  await provider.close()
})

const chatMessage = (p: Page, text: string) => p.locator('.staff-chat .staff-message', { hasText: text })

t.test('discuss a message in a new staff chat; the colleague reads it and they talk live', async (t) => {
  await messageItem(page, 'oak table').locator('.menu-button').click()
  await page.click('.message-menu [data-action=startStaffChatFromMessage]')
  const dialog = page.locator('.dialog-action')
  await dialog.locator('input[name=title]').waitFor()
  t.equal(await dialog.locator('input[name=title]').inputValue(), 'Do you have the oak table in stock?')
  await dialog.locator('input[name=title]').fill('Oak table stock')
  await dialog.locator('textarea[name=comment]').fill('Bruno, can you check the warehouse?')
  await dialog.locator('button[type=submit]').click()
  await until('on the chat page', () => page.evaluate(() => location.hash), hash => hash.startsWith('#/staff-chats/'))
  const chatId = (await page.evaluate(() => location.hash)).split('/').pop() as string
  await chatMessage(page, 'Bruno, can you check the warehouse?').locator('.team-quote', { hasText: 'oak table in stock' }).waitFor()
  t.equal(await page.locator('.staff-chat-members').textContent(), 'Ana Lima, Bruno Costa', 'the conversation\'s staff are members')

  // Bruno: the chat is listed with one unread message; opening it reads it.
  await other.click('.page-link.page-staffChats')
  const listed = other.locator(`.staff-chat-list .list-item[data-chat-id="${chatId}"]`)
  await listed.locator('.chat-unread').waitFor()
  t.equal(await listed.locator('.chat-unread').textContent(), '1')
  await listed.locator('a').click()
  await chatMessage(other, 'Bruno, can you check the warehouse?').waitFor()
  t.equal(await chatMessage(other, 'Bruno, can you check the warehouse?').locator('.team-quote a').getAttribute('href'), `#/conversations/${id}`)
  await listed.locator('.chat-unread').waitFor({ state: 'detached' })
  t.pass('read once open')

  // Live both ways.
  await page.fill('textarea[name=staff-reply]', 'The client is waiting, any news?')
  await page.press('textarea[name=staff-reply]', 'Enter')
  await chatMessage(other, 'The client is waiting, any news?').waitFor()
  await other.fill('textarea[name=staff-reply]', 'Three left in stock')
  await other.press('textarea[name=staff-reply]', 'Enter')
  await chatMessage(page, 'Three left in stock').waitFor()
  t.equal(await chatMessage(page, 'Three left in stock').locator('.author').textContent(), 'Bruno Costa')
  await other.screenshot({ path: artifactPath('console-staff-chat.png') })

  // Away from the chat, Bruno is told and counts it.
  await other.click('.page-link.page-feed')
  await page.fill('textarea[name=staff-reply]', 'Thanks, reserving one')
  await page.press('textarea[name=staff-reply]', 'Enter')
  await other.locator('.toast', { hasText: 'Ana Lima in “Oak table stock”' }).waitFor()
  await untilEqual('the nav counts it', () => other.locator('.page-link.page-staffChats .staff-unread').textContent(), '1')
})

t.test('a message posted to the team feed appears live on a colleague\'s feed', async (t) => {
  // Bruno is on the feed page from the test before.
  await other.locator('.feed-page').waitFor()
  await page.evaluate((hash) => { location.hash = hash }, `#/conversations/${id}`)
  await messageItem(page, 'oak table').locator('.menu-button').click()
  await page.click('.message-menu [data-action=postMessageToFeed]')
  const dialog = page.locator('.dialog-action')
  await dialog.locator('textarea[name=comment]').fill('Oak tables are popular again')
  await dialog.locator('button[type=submit]').click()
  await dialog.locator('a.next-link', { hasText: 'Open the team feed' }).waitFor()
  await dialog.locator('.dialog-actions button', { hasText: 'Close' }).click()

  const post = other.locator('.feed-post', { hasText: 'Oak tables are popular again' })
  await post.waitFor()
  t.match(await post.locator('.team-quote').textContent(), /oak table in stock/)
  t.equal(await post.locator('.author').first().textContent(), 'Ana Lima')
  await post.locator('input[name=comment]').fill('Good to know!')
  await post.locator('.feed-comment-form button').click()
  await post.locator('.feed-comment', { hasText: 'Good to know!' }).waitFor()

  await other.fill('.feed-compose textarea[name=post]', 'Warehouse closes at 6 today')
  await other.click('.feed-compose button[type=submit]')
  await page.click('.page-link.page-feed')
  await page.locator('.feed-post', { hasText: 'Warehouse closes at 6 today' }).waitFor()
  const posts = await page.locator('.feed-post .post-body').allTextContents()
  t.same(posts, ['Warehouse closes at 6 today', 'Oak tables are popular again'], 'newest first')
  await page.locator('.feed-post', { hasText: 'Oak tables' }).locator('.feed-comment', { hasText: 'Good to know!' }).waitFor()
  await other.screenshot({ path: artifactPath('console-feed.png') })
  t.same(await anaConsole.problems(), [])
  t.same(await brunoConsole.problems(), [], 'no errors or CSP violations')
})
