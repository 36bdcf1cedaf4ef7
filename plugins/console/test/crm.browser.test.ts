// #6 CRM in the console: the conversation's CRM panel shows the record made by "Save to CRM",
// sending a CRM form posts the link message into the conversation, and the record opens on the
// CRM page with its chat log, where a note can be added.
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { artifactPath, buildTestApp, createTestChannel, launchBrowser, startFakeProvider, testConnectorPlugin, until } from '@openline/testing'
import { createCrmPlugin } from '../../crm/src/index.ts'
import { consolePlugin } from '../src/index.ts'
import { messageItem, openConsolePage, signIn, type ConsolePage } from './helpers.ts'

const provider = await startFakeProvider()
const h = await buildTestApp({ plugins: [testConnectorPlugin, createCrmPlugin(), consolePlugin], config: { jobs: { sweepIntervalMs: 300, process: true } } })
const admin = await h.login(h.admin.email, h.admin.password)
const channel = await createTestChannel(h, admin, provider, { name: 'Furniture', secret: 'crm-secret-123' })
const form = await admin.query<{ createCrmForm: { id: string } }>(`mutation { createCrmForm(input: { title: "Delivery details", fields: [
  { name: "name", label: "Your name", type: text, required: true },
  { name: "phone", label: "Phone", type: phone }
] }) { id } }`)
if (form.errors !== undefined) throw new Error(JSON.stringify(form.errors))
const { conversationId: id } = await channel.inbound('client-crm', 'I would like to order the green sofa')

const records = async (): Promise<{ kind: string, id: string }[]> =>
  (await admin.query('query($id: ID!) { conversation(id: $id) { crm { kind id } } }', { id })).data.conversation.crm

let browser: Browser
let c: ConsolePage
let page: Page
t.before(async () => {
  browser = await launchBrowser()
  c = await openConsolePage(browser, h.url, { hash: `#/conversations/${id}` })
  page = c.page
  await signIn(page, h.admin.email, h.admin.password)
  await messageItem(page, 'green sofa').waitFor()
})
t.teardown(async () => {
  await browser?.close()
  await h.close()
  await provider.close()
})

t.test('Save to CRM: the panel shows the deal it made', async (t) => {
  const panel = page.locator('.crm-panel')
  await panel.locator('.crm-empty').waitFor()
  await panel.locator('button.crm-save').click()
  await page.locator('.toast', { hasText: 'Saved to CRM' }).waitFor()
  const deal = await until('a deal on the server', records, list => list.some(r => r.kind === 'deal'))
  const dealId = deal.find(r => r.kind === 'deal')?.id as string
  const item = panel.locator(`.crm-record[data-crm-kind=deal][data-crm-id="${dealId}"]`)
  await item.waitFor()
  t.match(await item.textContent(), /Deal/)
  t.equal(await item.locator('a').getAttribute('href'), `#/crm/deal/${dealId}`, 'the built-in record opens in the console')
})

t.test('sending a CRM form posts the link message', async (t) => {
  const panel = page.locator('.crm-panel')
  await panel.locator('select[name=formId] option', { hasText: 'Delivery details' }).waitFor({ state: 'attached' })
  await panel.locator('select[name=formId]').selectOption({ label: 'Delivery details' })
  await panel.locator('button.crm-send').click()
  await page.locator('.toast', { hasText: 'Form sent' }).waitFor()
  const link = page.locator('.message .message-body a[href*="/plugins/crm/forms/"]')
  await link.waitFor()
  t.match(await link.getAttribute('href'), new RegExp(`^${h.url}/plugins/crm/forms/[\\w.-]+$`), 'the signed form link')
  t.equal(await link.getAttribute('rel'), 'noopener noreferrer')
  const stored = (await admin.query('query($id: ID!) { messages(conversationId: $id, last: 20) { nodes { body authorKind } } }', { id })).data.messages.nodes
  t.ok(stored.some((m: { body: string }) => m.body.includes('Delivery details') && m.body.includes('/plugins/crm/forms/')), 'the message is in the conversation')
  await page.screenshot({ path: artifactPath('console-crm.png') })
})

t.test('the record opens on the CRM page with its chat log; a note is added', async (t) => {
  await page.locator('.crm-panel .crm-record[data-crm-kind=deal] a').click()
  const view = page.locator('.crm-record-view[data-crm-kind=deal]')
  await view.waitFor()
  t.equal(await page.locator('.page-link.page-crm').getAttribute('aria-current'), 'page')
  await view.locator('.crm-activity-chat', { hasText: 'green sofa' }).waitFor()
  t.pass('the chat log is attached')
  await view.locator('textarea[name=note]').fill('Call back on Monday')
  await view.locator('.crm-note button[type=submit]').click()
  await view.locator('.crm-activity-note', { hasText: 'Call back on Monday' }).waitFor()
  await page.click('.crm-page a.tab:has-text("Deals")')
  await page.locator('.crm-list .list-item').first().waitFor()
  t.equal(await page.locator('.crm-list .list-item').count(), 1, 'the deal is listed')
  t.same(await c.problems(), [], 'no errors or CSP violations')
})
