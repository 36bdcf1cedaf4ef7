// #6 KPI in the console: response-time columns in the conversation list, the Statistics page
// (totals, charts and a table from a small hand-made March, filtered by open channel and agent,
// grouped by day and agent), and a missed target arriving as a notification.
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { artifactPath, buildTestApp, createTestChannel, launchBrowser, startFakeProvider, testConnectorPlugin, until, untilEqual } from '@openline/testing'
import kpiPlugin from '../../kpi/src/index.ts'
import { consolePlugin } from '../src/index.ts'
import { openConsolePage, signIn, type ConsolePage } from './helpers.ts'

const provider = await startFakeProvider()
// A settings minute of 100 ms: the 10 s target of the alert test is missed at once.
const h = await buildTestApp({ plugins: [testConnectorPlugin, { definition: kpiPlugin, options: { minuteMs: 100 } }, consolePlugin], config: { jobs: { sweepIntervalMs: 200, process: true } } })
const admin = await h.login(h.admin.email, h.admin.password)
const ana = await h.createAgent({ name: 'Ana Lima' })
const north = await createTestChannel(h, admin, provider, { name: 'North', secret: 'kpi-secret-north' })
const south = await createTestChannel(h, admin, provider, { name: 'South', secret: 'kpi-secret-south' })
const sql = async (text: string, params: unknown[] = []): Promise<Record<string, any>[]> => (h.core.orm.em.fork() as any).execute(text, params)

// Three conversations whose figures are set to known values (the plugin's own tests cover how
// they are measured): responsible agent, created, first response, resolved, times late.
const c1 = (await north.inbound('kpi-1', 'first')).conversationId
const c2 = (await north.inbound('kpi-2', 'second')).conversationId
const c3 = (await south.inbound('kpi-3', 'third')).conversationId
await until('rows for all three', () => sql('select 1 from kpi_conversations where conversation_id in (?, ?, ?)', [c1, c2, c3]), rows => rows.length === 3)
const figures: [string, string, string, number, number, number, boolean, number, boolean][] = [
  // id, agent, created, first response, answers, sum of answer seconds, resolved, times late, late now
  [c1, ana.id, '2025-03-03T10:00:00Z', 30, 2, 90, true, 1, true],
  [c2, ana.id, '2025-03-04T10:00:00Z', 90, 1, 90, false, 0, false],
  [c3, h.admin.id, '2025-03-10T09:00:00Z', 10, 1, 10, true, 0, false]
]
for (const [id, agent, created, first, count, sum, resolved, late, lateNow] of figures) {
  await sql(`update kpi_conversations set agent_id = ?, created_at = ?, first_response_sec = ?, response_count = ?, response_sec_sum = ?, resolved = ?, late_count = ?,
             late_since = ${lateNow ? 'now()' : 'null'}, waiting_since = null where conversation_id = ?`, [agent, created, first, count, sum, resolved, late, id])
}
// Answers: message id, conversation, open channel, agent, kind, answered at, seconds.
const answers: [number, string, string, string, string, string, number][] = [
  [1, c1, north.id, ana.id, 'first', '2025-03-03T10:00:30Z', 30],
  [2, c1, north.id, ana.id, 'later', '2025-03-03T11:00:00Z', 60],
  [3, c2, north.id, ana.id, 'first', '2025-03-04T10:01:30Z', 90],
  [4, c3, south.id, h.admin.id, 'first', '2025-03-10T09:00:10Z', 10]
]
for (const [n, id, channel, agent, kind, at, seconds] of answers) {
  await sql(`insert into kpi_responses (message_id, conversation_id, open_channel_id, agent_id, kind, client_message_at, answered_at, seconds)
             values (?, ?, ?, ?, ?, ?::timestamptz - make_interval(secs => ?), ?, ?)`, [9_100_000_000 + n, id, channel, agent, kind, at, seconds, at, seconds])
}

let browser: Browser
let c: ConsolePage
let page: Page
t.before(async () => {
  browser = await launchBrowser()
  c = await openConsolePage(browser, h.url, { timezoneId: 'UTC' })
  page = c.page
  await signIn(page, h.admin.email, h.admin.password)
})
t.teardown(async () => {
  await browser?.close()
  await h.close()
  await provider.close()
})

const cells = async (p: Page, id: string): Promise<string[]> =>
  p.locator(`.conversation-table tr[data-conversation-id="${id}"] td`).allTextContents()

t.test('the conversation list shows first response, average response and lateness', async (t) => {
  await page.click('.tabs button:has-text("Conversations")')
  const headers = await page.locator('.conversation-table th').allTextContents()
  t.same(headers.slice(-3), ['First response', 'Avg response', 'Late'])
  await page.locator(`.conversation-table tr[data-conversation-id="${c1}"]`).waitFor()
  t.same((await cells(page, c1)).slice(-3), ['30 s', '45 s', '1late now'])
  t.same((await cells(page, c2)).slice(-3), ['1 min 30 s', '1 min 30 s', '0'])
  t.same((await cells(page, c3)).slice(-3), ['10 s', '10 s', '0'])
})

t.test('the statistics page renders the figures of the period, filtered and grouped', async (t) => {
  await page.click('.page-link.page-statistics')
  await page.fill('.statistics-filters input[name=from]', '2025-03-01')
  await page.fill('.statistics-filters input[name=to]', '2025-03-31')
  const card = (name: string) => page.locator(`.kpi-card.kpi-${name} dd`)
  await untilEqual('three conversations in March', () => card('conversations').textContent(), '3')
  t.equal(await card('resolved').textContent(), '2 (66.7%)')
  t.equal(await card('late').textContent(), '1')
  t.equal(await card('responses').textContent(), '4')
  // percentile_cont: first answers 10, 30, 90; all answers 10, 30, 60, 90.
  t.equal(await card('first-p50').textContent(), '30 s')
  t.equal(await card('first-p90').textContent(), '1 min 18 s')
  t.equal(await card('response-p50').textContent(), '45 s')
  t.equal(await card('response-p90').textContent(), '1 min 21 s')

  // Grouped by day: one row and one point per day with data.
  const rows = page.locator('.statistics-table tbody tr')
  await untilEqual('three days', () => rows.count(), 3)
  t.same(await rows.nth(0).locator('td').allTextContents(), ['1', '1', '100%', '1', '2', '30 s', '30 s', '45 s', '57 s'], '3 March')
  t.same(await page.locator('.chart-response-times [data-series=firstResponseP50] circle').evaluateAll(list => list.map(c => c.getAttribute('data-value'))), ['30', '90', '10'], 'first responses over time')
  t.same(await page.locator('.chart-counts [data-series=conversations] rect').evaluateAll(list => list.map(c => c.getAttribute('data-value'))), ['1', '1', '1'])
  t.equal(await page.locator('.chart-resolved-share [data-series=resolvedShare] circle').count(), 3)
  await page.screenshot({ path: artifactPath('console-statistics.png'), fullPage: true })

  await page.selectOption('.statistics-filters select[name=openChannelId]', south.id)
  await untilEqual('South only', () => card('conversations').textContent(), '1')
  t.equal(await card('first-p50').textContent(), '10 s')
  await page.selectOption('.statistics-filters select[name=openChannelId]', '')
  await page.selectOption('.statistics-filters select[name=agentId]', ana.id)
  await untilEqual('Ana only', () => card('conversations').textContent(), '2')
  t.equal(await card('first-p90').textContent(), '1 min 24 s', '30 and 90: 30 + 0.9 × 60')
  await page.selectOption('.statistics-filters select[name=agentId]', '')
  await page.selectOption('.statistics-filters select[name=groupBy]', 'agent')
  await untilEqual('by agent', () => page.locator('.statistics-table tbody th').allTextContents().then(l => l.sort().join(', ')), 'Ana Lima, Test Admin')
  t.equal(await page.locator('.chart-counts [data-series=conversations] rect').count(), 2, 'bars per agent')
  t.same(await c.problems(), [], 'no errors or CSP violations')
})

t.test('a missed response target arrives as a notification; opening it marks it read', async (t) => {
  const alerting = await createTestChannel(h, admin, provider, { name: 'Urgent', secret: 'kpi-secret-urgent' })
  const saved = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "kpi", values: $v) { id } }',
    { id: alerting.id, v: { firstResponse: { enabled: true, targetSec: 10 }, notify: { enabled: true, userIds: [h.admin.id], text: 'Late: #DIALOG# waits for #OPERATOR#' } } })
  t.equal(saved.errors, undefined, JSON.stringify(saved.errors))
  const { conversationId } = await alerting.inbound('kpi-late', 'Hello? Anyone?')
  const toast = page.locator('.toast', { hasText: 'Response time missed' })
  await toast.waitFor()
  t.match(await toast.textContent(), new RegExp(`Late: #${conversationId}`))
  await untilEqual('the bell counts it', () => page.locator('.alerts-count').textContent(), '1')
  await page.click('.alerts-button')
  const item = page.locator('.alerts-menu .alert-item.unread')
  t.equal(await item.count(), 1)
  await item.locator('button').click()
  await page.locator(`.conversation[data-conversation-id="${conversationId}"]`).waitFor()
  await page.locator('.conversation-header .badge-late').waitFor()
  await page.locator('.alerts-count').waitFor({ state: 'detached' })
  const alerts = (await admin.query('{ myKpiAlerts { nodes { conversationId readAt } } }')).data.myKpiAlerts.nodes
  t.equal(alerts.length, 1)
  t.not(alerts[0].readAt, null, 'marked read on the server')
  t.same(await c.problems(), [], 'no errors or CSP violations')
})
