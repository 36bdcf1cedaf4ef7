// #6 tasks in the console: a task made from a message (a form from the plugin's input type)
// reaches its assignee at once (taskAssigned) and is listed on their My tasks page, where it is
// completed; a calendar event made from a message downloads as an .ics.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import { artifactPath, buildTestApp, createTestChannel, launchBrowser, startFakeProvider, testConnectorPlugin, until } from '@openline/testing'
import tasksPlugin from '../../tasks/src/index.ts'
import { consolePlugin } from '../src/index.ts'
import { messageItem, openConsolePage, signIn, type ConsolePage } from './helpers.ts'

const provider = await startFakeProvider()
const h = await buildTestApp({ plugins: [testConnectorPlugin, tasksPlugin, consolePlugin] })
const admin = await h.login(h.admin.email, h.admin.password)
const ana = await h.createAgent({ name: 'Ana Lima' })
const channel = await createTestChannel(h, admin, provider, { name: 'Callbacks', secret: 'tasks-secret-12' })
const { conversationId: id } = await channel.inbound('client-tasks', 'Please call me back tomorrow at 10')

const tasks = async (client = admin): Promise<{ id: string, title: string, status: string, assigneeId: string, dueAt: string | null }[]> =>
  (await client.query('{ tasks(first: 100) { nodes { id title status assigneeId dueAt } } }')).data.tasks.nodes

let browser: Browser
let boss: ConsolePage
let anaConsole: ConsolePage
let page: Page
t.before(async () => {
  browser = await launchBrowser()
  anaConsole = await openConsolePage(browser, h.url)
  await signIn(anaConsole.page, ana.email, ana.password)
  boss = await openConsolePage(browser, h.url, { hash: `#/conversations/${id}` })
  page = boss.page
  await signIn(page, h.admin.email, h.admin.password)
  await messageItem(page, 'call me back').waitFor()
})
t.teardown(async () => {
  await browser?.close()
  await h.close()
  await provider.close()
})

t.test('a task from a message reaches its assignee live and shows in My tasks', async (t) => {
  await messageItem(page, 'call me back').locator('.menu-button').click()
  await page.click('.message-menu [data-action=createTaskFromMessage]')
  const dialog = page.locator('.dialog-action')
  await dialog.locator('input[name="input.title"]').waitFor()
  t.equal(await dialog.locator('input[name="input.title"]').inputValue(), 'Please call me back tomorrow at 10')
  await dialog.locator('input[name="input.title"]').fill('Call the client back')
  await dialog.locator('select[name="input.assigneeId"]').selectOption(ana.id)
  await dialog.locator('input[name="input.dueAt"]').fill('2030-05-04T10:00')
  await dialog.locator('button[type=submit]').click()
  await dialog.locator('a.next-link', { hasText: 'Open My tasks' }).waitFor()
  const [task] = await until('stored', () => tasks(), list => list.length === 1)
  t.match(task, { title: 'Call the client back', status: 'open', assigneeId: ana.id })
  await dialog.locator('.dialog-actions button', { hasText: 'Close' }).click()

  // Ana hears of it and opens her list from the toast.
  const toast = anaConsole.page.locator('.toast', { hasText: 'New task from Test Admin' })
  await toast.waitFor()
  t.match(await toast.textContent(), /Call the client back/)
  await toast.locator('.toast-body').click()
  const item = anaConsole.page.locator(`.tasks-page .task[data-task-id="${task.id}"]`)
  await item.waitFor()
  t.equal(await item.locator('.task-title').textContent(), 'Call the client back')
  t.equal(await item.locator('.task-conversation').getAttribute('href'), `#/conversations/${id}`)
  t.match(await item.locator('.task-due').textContent(), /^Due /)
  await anaConsole.page.screenshot({ path: artifactPath('console-tasks.png') })

  await item.locator('.task-complete').click()
  await item.waitFor({ state: 'detached' })
  await until('done on the server', () => tasks(), list => list[0]?.status === 'done')
  await anaConsole.page.click('.tasks-page [data-status=done]')
  await item.waitFor()
  t.equal(await item.locator('.task-reopen').count(), 1, 'listed as done')
  t.same(await anaConsole.problems(), [])
})

t.test('a calendar event from a message downloads as .ics', async (t) => {
  await messageItem(page, 'call me back').locator('.menu-button').click()
  await page.click('.message-menu [data-action=createCalendarEventFromMessage]')
  const dialog = page.locator('.dialog-action')
  await dialog.locator('input[name="input.startsAt"]').waitFor()
  await dialog.locator('input[name="input.startsAt"]').fill('2030-05-05T10:00')
  await dialog.locator('input[name="input.endsAt"]').fill('2030-05-05T10:30')
  await dialog.locator(`input[name="input.attendeeIds"][value="${ana.id}"]`).check()
  await dialog.locator('button[type=submit]').click()
  const button = dialog.locator('button.ics-download')
  await button.waitFor()
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()])
  const ics = await readFile(await download.path(), 'utf8')
  t.match(ics, /^BEGIN:VCALENDAR\r\n/, 'an iCalendar file')
  t.match(ics, /SUMMARY:Please call me back tomorrow at 10/)
  t.match(ics, /ATTENDEE;CN="Ana Lima"/)
  t.match(ics, /DTSTART:\d{8}T\d{6}Z/)
  t.same(await boss.problems(), [], 'no errors or CSP violations')
})
