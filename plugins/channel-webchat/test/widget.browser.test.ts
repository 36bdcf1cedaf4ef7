// The widget in headless Chromium, on the demo page, as a visitor uses it: open, write, see the
// agent typing and replying, reload and find the history, send a file, press a button; hostile
// text stays text. Leaves var/artifacts/widget.png.
import t from 'tap'
import { definePlugin, type PluginContext } from '@openline/sdk'
import { artifactPath, chromiumFlags, chromiumPath, launchBrowser, until, type AgentClient, type TestApp } from '@openline/testing'
import { chromium, type Browser, type Page, type WebSocketRoute } from 'playwright-core'
import { conversationOf, createWidget, startApp, type Widget } from './helpers.ts'

let buttonContext: PluginContext | null = null
const buttonsFixture = definePlugin({ name: 'buttons-fixture', version: '0.1.0', core: '>=0.1.0', setup: (ctx) => { buttonContext = ctx } })

let h: TestApp
let admin: AgentClient
let widget: Widget
let browser: Browser

t.before(async () => {
  ({ h, admin } = await startApp({ plugins: [buttonsFixture] }))
  // Only the server's own origin (the demo page) may use this widget.
  widget = await createWidget(admin, 'Browser shop', { allowedOrigins: ['https://shop.example'], title: 'Browser shop support', color: '#0f766e' })
  browser = await launchBrowser()
})
t.teardown(async () => { await browser?.close(); await h?.close() })

const hostile = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', 'javascript:alert(1)']

/** What the widget's shadow root shows: message texts, links, and anything that must not exist. */
async function shadowState (page: Page): Promise<{ texts: string[], links: string[], dangerous: number, typing: string }> {
  return page.evaluate(() => {
    const root = document.querySelector('[data-openline-widget]')?.shadowRoot
    if (root == null) return { texts: [], links: [], dangerous: -1, typing: '' }
    return {
      texts: Array.from(root.querySelectorAll('.bubble')).map((bubble) => {
        const copy = bubble.cloneNode(true) as HTMLElement
        copy.querySelector('.meta')?.remove()
        return copy.textContent ?? ''
      }),
      links: Array.from(root.querySelectorAll('.bubble a')).map(a => (a as HTMLAnchorElement).getAttribute('href') ?? ''),
      dangerous: root.querySelectorAll('script, img[src="x"], [onerror], a[href^="javascript"], iframe').length,
      typing: root.querySelector('.typing')?.textContent ?? ''
    }
  })
}

async function waitForText (page: Page, text: string): Promise<void> {
  await until(`"${text}" in the widget`, () => shadowState(page), s => s.texts.some(x => x.includes(text)), 10_000)
}

t.test('a visitor chats through the widget on the demo page', async (t) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  const dialogs: string[] = []
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.dismiss() })
  const violations: string[] = []
  page.on('console', (message) => { if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text()) })
  page.on('pageerror', (err) => { violations.push(`page error: ${err.message}`) })

  // The widget's websocket goes through a switch the test can open: a network cut, then a return.
  let cut = false
  let live: { page: WebSocketRoute, server: WebSocketRoute } | null = null
  await page.routeWebSocket(/\/visitor\/graphql$/, (ws) => {
    if (cut) { ws.close({ code: 1006, reason: 'network down' }); return }
    live = { page: ws, server: ws.connectToServer() }
  })

  const demo = await page.goto(`${h.url}/plugins/channel-webchat/demo/${widget.key}`)
  t.equal(demo?.status(), 200)
  t.match(demo?.headers()['content-security-policy'], /script-src 'self'/)
  await page.locator('button.launcher').click()
  await page.locator('.panel .header').getByText('Browser shop support').waitFor()
  t.equal(await page.locator('button.launcher').evaluate(el => getComputedStyle(el).backgroundColor), 'rgb(15, 118, 110)', 'the connection\'s colour')

  // Write and send (Enter).
  await page.locator('textarea').fill('Hello from the browser 👋')
  await page.locator('textarea').press('Enter')
  await waitForText(page, 'Hello from the browser 👋')
  const [conversationId] = await until('a conversation', () => conversationOf(admin, widget), ids => ids.length === 1)
  const agentView = await admin.query('query($id: ID!) { messages(conversationId: $id) { nodes { body } } }', { id: conversationId })
  t.same(agentView.data.messages.nodes, [{ body: 'Hello from the browser 👋' }], 'the agent has it')

  // Emoji from the picker.
  await page.locator('button[aria-label="Emoji"]').click()
  await page.locator('.emoji button', { hasText: '👍' }).click()
  t.equal(await page.locator('textarea').inputValue(), '👍')
  await page.locator('button.send').click()
  await waitForText(page, '👍')

  // The agent types, then replies.
  await admin.query('mutation($id: ID!) { sendTyping(conversationId: $id) }', { id: conversationId })
  await until('typing shown', () => shadowState(page), s => s.typing === 'Typing…', 10_000)
  await admin.query('mutation($id: ID!, $b: String!) { sendMessage(conversationId: $id, body: $b) { id } }', { id: conversationId, b: 'Hi! See https://example.com/help, or write back.' })
  await waitForText(page, 'Hi! See https://example.com/help, or write back.')
  t.equal(await page.locator('.msg:not(.mine) .sender').last().textContent(), 'Test Admin', 'the agent as the channel shows them (B6)')
  await until('typing cleared by the reply', () => shadowState(page), s => s.typing === '', 10_000)

  // Hostile text, from the visitor and from the agent, stays text.
  for (const text of hostile) {
    await page.locator('textarea').fill(text)
    await page.locator('button.send').click()
    await waitForText(page, text)
    await admin.query('mutation($id: ID!, $b: String!) { sendMessage(conversationId: $id, body: $b) { id } }', { id: conversationId, b: `agent: ${text}` })
    await waitForText(page, `agent: ${text}`)
  }
  const state = await shadowState(page)
  t.equal(state.dangerous, 0, 'no script, no img onerror, no javascript: link in the shadow DOM')
  t.same(state.links, ['https://example.com/help'], 'only the http(s) URL became a link')
  t.same(await page.locator('.bubble a').first().evaluate(a => [a.getAttribute('rel'), a.getAttribute('target')]), ['noopener noreferrer', '_blank'])

  // A file.
  await page.locator('input[type=file]').setInputFiles({ name: 'receipt.txt', mimeType: 'text/plain', buffer: Buffer.from('receipt 42') })
  await until('the file in the transcript', () => shadowState(page), s => s.links.some(l => l.startsWith(`${h.url}/files/`)), 10_000)
  t.equal(await page.locator('.files a').last().textContent(), 'receipt.txt')
  const agentFiles = await admin.query('query($id: ID!) { messages(conversationId: $id) { nodes { attachments } } }', { id: conversationId })
  t.ok(agentFiles.data.messages.nodes.some((m: any) => m.attachments[0]?.name === 'receipt.txt'), 'the agent has the file')

  // A button under a message (ratings, consent): pressing it is a client message with the data.
  await buttonContext!.sendMessage({ conversationId, body: 'Did this help?', authorKind: 'system', meta: { buttons: [{ text: 'Yes', data: 'helped:yes' }, { text: 'No', data: 'helped:no' }] } })
  await page.locator('.buttons button', { hasText: 'Yes' }).click()
  const pressed = await until('the press stored', async () => await (h.core.orm.em.fork() as any).execute(
    "select body from messages where conversation_id = ? and meta->>'callbackData' = 'helped:yes'", [conversationId]) as { body: string }[], rows => rows.length === 1)
  t.same(pressed, [{ body: 'Yes' }])

  // A form token while the visitor API has no crmForm (no CRM plugin here): the link button stays, nothing breaks.
  await buttonContext!.sendMessage({ conversationId, body: 'Please fill in our form', authorKind: 'system', meta: { buttons: [{ text: 'Open the form', url: 'https://forms.example/f/1.2.abc' }], crm: { formSendId: '1', formToken: '1.2.abc' } } })
  await page.locator('.buttons a', { hasText: 'Open the form' }).waitFor()

  // An internal note never shows.
  await admin.query('mutation($id: ID!) { sendMessage(conversationId: $id, body: "internal: VIP customer", internal: true) { id } }', { id: conversationId })
  await admin.query('mutation($id: ID!) { sendMessage(conversationId: $id, body: "Anything else?") { id } }', { id: conversationId })
  await waitForText(page, 'Anything else?')
  t.equal(await page.locator('.buttons a', { hasText: 'Open the form' }).count(), 1, 'the form link is still there once crmForm was refused')
  t.equal(await page.locator('.crm-form').count(), 0, 'no inline form without the CRM plugin')
  t.notOk((await shadowState(page)).texts.some(x => x.includes('VIP customer')), 'the note is not in the widget')

  await page.screenshot({ path: artifactPath('widget.png') })

  // Reload: the token in localStorage brings the history back.
  const before = (await shadowState(page)).texts
  await page.reload()
  await page.locator('button.launcher').click()
  await until('history after reload', () => shadowState(page), s => s.texts.length === before.length, 10_000)
  t.same((await shadowState(page)).texts, before, 'the same transcript after a reload')
  t.ok(await page.evaluate((key) => localStorage.getItem(`openline:${key}`) !== null, widget.key), 'token kept per widget key')

  // The connection drops; a reply sent meanwhile cannot be pushed. Back online, the widget
  // reconnects and reads the transcript again.
  cut = true
  const dropped = live as { page: WebSocketRoute, server: WebSocketRoute } | null
  await dropped?.server.close()
  await dropped?.page.close({ code: 1006, reason: 'network down' })
  const missed = await admin.query('mutation($id: ID!) { sendMessage(conversationId: $id, body: "Sent while you were offline") { id } }', { id: conversationId })
  // Delivered (written and pushed to nobody) before the way back opens.
  await until('the reply delivered', async () => (await admin.query('query($id: ID!) { messages(conversationId: $id, last: 200) { nodes { id deliveryStatus } } }', { id: conversationId }))
    .data.messages.nodes.find((m: any) => m.id === missed.data.sendMessage.id)?.deliveryStatus, status => status === 'sent')
  cut = false
  await until('the missed reply after reconnecting', () => shadowState(page), s => s.texts.includes('Sent while you were offline'), 30_000)

  t.same(dialogs, [], 'no dialog ever opened')
  t.same(violations, [], 'no CSP violation or page error')
  await context.close()
})

t.test('embedded on another site: works where the widget allows that site, nowhere else', async (t) => {
  // The "other site" is the loopback address under the name localhost; Chromium's Local Network
  // Access checks would block a site from using a loopback server, which real deployments are not.
  const crossSite = await chromium.launch({ executablePath: chromiumPath, args: [...chromiumFlags, '--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets'], headless: true })
  t.teardown(() => crossSite.close())
  const site = h.url.replace('127.0.0.1', 'localhost')
  const allowed = await createWidget(admin, 'Cross-site shop', { allowedOrigins: [site] })
  await admin.query('mutation ($id: ID!) { setOpenChannelLanguage(id: $id, language: "pl") { id } }', { id: allowed.openChannelId })
  const landing = async (key: string): Promise<{ page: Page, answers: string[] }> => {
    const page = await (await crossSite.newContext()).newPage()
    await page.route(`${site}/landing`, route => route.fulfill({ contentType: 'text/html', body: `<!doctype html><body><h1>Shop</h1><script async src="${h.url}/plugins/channel-webchat/widget.js" data-openline-key="${key}"></script></body>` }))
    const answers: string[] = []
    page.on('response', (res) => { if (res.url().endsWith('/visitor/graphql') && res.request().method() === 'POST') void res.text().then(text => answers.push(text)) })
    await page.goto(`${site}/landing`)
    return { page, answers }
  }

  const refused = await landing(widget.key)
  await until('the widget asked about itself', async () => refused.answers.length, n => n > 0, 10_000)
  t.match(refused.answers[0], /OL_FORBIDDEN/, 'a site not in allowedOrigins is refused')
  t.equal(await refused.page.evaluate(() => document.querySelector('[data-openline-widget]')?.shadowRoot?.querySelector('button.launcher') ?? null), null, 'no launcher')

  const { page } = await landing(allowed.key)
  await page.locator('button.launcher[aria-label="Napisz do nas"]').click()
  t.equal(await page.locator('textarea').getAttribute('placeholder'), 'Napisz wiadomość…', 'the open channel\'s language')
  await page.locator('textarea').fill('Hello from another site')
  await page.locator('textarea').press('Enter')
  await waitForText(page, 'Hello from another site')
  const [conversationId] = await until('a conversation', () => conversationOf(admin, allowed), ids => ids.length === 1)
  await admin.query('mutation($id: ID!) { sendMessage(conversationId: $id, body: "Reply across sites") { id } }', { id: conversationId })
  await waitForText(page, 'Reply across sites')
  t.pass('HTTP and the websocket work cross-origin for an allowed site')
})
