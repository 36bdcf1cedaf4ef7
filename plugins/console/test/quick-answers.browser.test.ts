// #6 quick answers in the console: the reply box's picker searches as you type and inserts the
// answer filled in for the conversation (useQuickAnswer); the Quick answers page creates (field
// errors shown), lists and deletes answers; a message is saved as an answer from its menu.
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { artifactPath, buildTestApp, createTestChannel, launchBrowser, startFakeProvider, testConnectorPlugin, until, untilEqual } from '@openline/testing'
import quickAnswersPlugin from '../../quick-answers/src/index.ts'
import { consolePlugin } from '../src/index.ts'
import { messageItem, openConsolePage, signIn, type ConsolePage } from './helpers.ts'

const provider = await startFakeProvider()
const h = await buildTestApp({ plugins: [testConnectorPlugin, quickAnswersPlugin, consolePlugin] })
const admin = await h.login(h.admin.email, h.admin.password)
const channel = await createTestChannel(h, admin, provider, { name: 'Shop', secret: 'qa-secret-1234' })
const create = async (input: Record<string, unknown>): Promise<string> => {
  const res = await admin.query<{ createQuickAnswer: { id: string } }>('mutation($i: CreateQuickAnswerInput!) { createQuickAnswer(input: $i) { id } }', { i: input })
  if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
  return (res.data as { createQuickAnswer: { id: string } }).createQuickAnswer.id
}
const shipping = await create({ openChannelId: channel.id, title: 'Shipping times', text: 'This is {{agentName}} from {{channelName}}: orders ship within 2 working days.', category: 'Delivery' })
await create({ title: 'Greeting', text: 'Hello! How can I help?' })
const { conversationId: id } = await channel.inbound('client-qa', 'When will my order ship?')

const answers = async (): Promise<{ id: string, title: string | null, text: string, usageCount: number }[]> =>
  (await admin.query('{ quickAnswers(first: 100) { nodes { id title text usageCount } } }')).data.quickAnswers.nodes

let browser: Browser
let c: ConsolePage
let page: Page
t.before(async () => {
  browser = await launchBrowser()
  c = await openConsolePage(browser, h.url, { hash: `#/conversations/${id}` })
  page = c.page
  await signIn(page, h.admin.email, h.admin.password)
  await messageItem(page, 'my order ship').waitFor()
})
t.teardown(async () => {
  await browser?.close()
  await h.close()
  await provider.close()
})

t.test('the picker searches as you type and inserts the rendered text', async (t) => {
  await page.fill('textarea[name=reply]', 'Hi! ')
  await page.click('.quick-answers-button')
  const dialog = page.locator('.dialog-quick-answers')
  await untilEqual('both answers of this channel', () => dialog.locator('.quick-answer').count(), 2)
  await dialog.locator('input[name=search]').pressSequentially('workin')
  await untilEqual('one left', () => dialog.locator('.quick-answer').count(), 1)
  t.match(await dialog.locator('.quick-answer').textContent(), /Shipping times/)
  await dialog.locator('input[name=search]').press('Enter')
  await dialog.waitFor({ state: 'detached' })
  t.equal(await page.inputValue('textarea[name=reply]'), 'Hi! This is Test Admin from Shop: orders ship within 2 working days.', 'filled in for this conversation, at the caret, not sent')
  await until('the use counted', answers, list => list.find(a => a.id === shipping)?.usageCount === 1)
  await page.press('textarea[name=reply]', 'Enter')
  await messageItem(page, 'orders ship within 2 working days').waitFor()
})

t.test('the Quick answers page lists, creates with field errors, and deletes', async (t) => {
  await page.click('.page-link.page-quickAnswers')
  const table = page.locator('.quick-answer-table')
  await untilEqual('listed', () => table.locator('tbody tr').count(), 2)
  await page.click('.new-quick-answer')
  const form = page.locator('.dialog-quick-answer-form')
  await form.locator('input[name=title]').fill('Returns')
  await form.locator('textarea[name=text]').fill('Returns are free {{#if}}')
  await form.locator('button[type=submit]').click()
  await form.locator('.field-error').waitFor()
  t.equal(await answers().then(l => l.length), 2, 'a bad template is refused')
  await form.locator('textarea[name=text]').fill('Returns are free within 30 days.')
  await form.locator('select[name=openChannelId]').selectOption({ label: 'Shop' })
  await form.locator('button[type=submit]').click()
  await form.waitFor({ state: 'detached' })
  await untilEqual('three listed', () => table.locator('tbody tr').count(), 3)
  const created = (await answers()).find(a => a.title === 'Returns')
  t.equal(created?.text, 'Returns are free within 30 days.')
  const row = table.locator(`tr[data-answer-id="${created?.id}"]`)
  t.match(await row.textContent(), /Shop/)
  await page.screenshot({ path: artifactPath('console-quick-answers.png') })
  await row.locator('.delete-quick-answer').click()
  await row.waitFor({ state: 'detached' })
  await until('deleted on the server', answers, list => !list.some(a => a.title === 'Returns'))
})

t.test('a message saved as a quick answer from its menu is offered in the picker', async (t) => {
  await page.evaluate((hash) => { location.hash = hash }, `#/conversations/${id}`)
  await messageItem(page, 'my order ship').locator('.menu-button').click()
  await page.click('.message-menu [data-action=saveMessageAsQuickAnswer]')
  const dialog = page.locator('.dialog-action')
  await dialog.locator('input[name=title]').waitFor()
  t.equal(await dialog.locator('input[name=title]').inputValue(), 'When will my order ship?', 'the title starts as the message')
  await dialog.locator('input[name=title]').fill('Shipping question')
  await dialog.locator('button[type=submit]').click()
  await until('saved', answers, list => list.some(a => a.title === 'Shipping question' && a.text === 'When will my order ship?'))
  // The answer is stored before the dialog turns to its done state: wait for that state's Close button.
  await dialog.locator('.dialog-actions button', { hasText: 'Close' }).click()
  await page.click('.quick-answers-button')
  await page.locator('.dialog-quick-answers input[name=search]').pressSequentially('question')
  await page.locator('.dialog-quick-answers .quick-answer', { hasText: 'Shipping question' }).waitFor()
  await page.keyboard.press('Escape')
  t.same(await c.problems(), [], 'no errors or CSP violations')
})
