// Whatever a client writes is shown as text: no script runs, no element is injected, no
// javascript: link is made; the page is served with its CSP and the browser reports no violation.
import t from 'tap'
import type { Browser } from 'playwright-core'
import { artifactPath, buildTestApp, createTestChannel, launchBrowser, sign, startFakeProvider, testConnectorPlugin } from '@openline/testing'
import { consolePlugin, contentSecurityPolicy } from '../src/index.ts'
import { messageItem, openConsolePage, signIn } from './helpers.ts'

const provider = await startFakeProvider()
const h = await buildTestApp({ plugins: [testConnectorPlugin, consolePlugin] })
const admin = await h.login(h.admin.email, h.admin.password)
const channel = await createTestChannel(h, admin, provider, { name: 'Escaping', secret: 'escaping-secret-1' })
let browser: Browser
t.before(async () => { browser = await launchBrowser() })
t.teardown(async () => {
  await browser?.close()
  await h.close()
  await provider.close()
})

const hostile = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '[click me](javascript:alert(1))',
  '<a href="javascript:alert(1)">link</a>',
  '@[Boss](user:1) #[Other chat](conversation:1)',
  'docs at https://example.com/docs?a=1&b=<b>bold</b>, thanks'
]
const hostileName = '<img src=x onerror=alert(2)>'

// A client with an HTML name, through the signed webhook of the loopback connector.
async function inbound (text: string, n: number): Promise<string> {
  const raw = JSON.stringify({ userId: 'hostile-client', messageId: `hostile-${n}`, text, name: hostileName })
  const res = await fetch(`${h.url}/plugins/test-connector/webhook/${channel.connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-signature': sign('escaping-secret-1', raw) }, body: raw })
  t.equal(res.status, 200)
  return ((await res.json()) as { conversationId: string }).conversationId
}

t.test('hostile client text and names render as text, under the CSP, without violations', async (t) => {
  let id = ''
  for (const [i, text] of hostile.entries()) id = await inbound(text, i)

  const c = await openConsolePage(browser, h.url, { hash: `#/conversations/${id}` })
  t.teardown(() => c.context.close())
  const response = c.response
  t.equal(response?.headers()['content-security-policy'], contentSecurityPolicy, 'the page is served with the CSP')
  t.equal(response?.headers()['x-frame-options'], 'DENY')
  await signIn(c.page, h.admin.email, h.admin.password)
  await c.page.locator(`.conversation[data-conversation-id="${id}"]`).waitFor()
  for (const text of hostile) {
    const body = messageItem(c.page, text, true).locator('.message-body')
    await body.waitFor()
    t.equal(await body.textContent(), text, `shown verbatim: ${text}`)
  }
  t.equal(await c.page.locator('.conversation-header h2').textContent(), hostileName, 'the client\'s name is text too')

  const messages = c.page.locator('.messages')
  t.equal(await messages.locator('script').count(), 0, 'no script element')
  t.equal(await c.page.locator('img').count(), 0, 'no img element anywhere (no attachments were sent)')
  t.equal(await c.page.locator('a[href^="javascript:" i], [onerror], [onclick]').count(), 0, 'no javascript: link, no inline handler')
  t.equal(await messages.locator('.mention').count(), 0, 'mention markup from a client is not turned into links')
  const link = messages.locator('a[href^="https://example.com/docs"]')
  t.equal(await link.count(), 1, 'the https URL is a link')
  t.equal(await link.getAttribute('href'), 'https://example.com/docs?a=1&b=')
  t.equal(await link.getAttribute('rel'), 'noopener noreferrer')
  t.equal(await link.getAttribute('target'), '_blank')
  await c.page.screenshot({ path: artifactPath('console-escaping.png') })

  // Staff text is escaped the same way; staff mentions do become links.
  await c.page.fill('textarea[name=reply]', `<b>not bold</b> ask @[Test Admin](user:${h.admin.id})`)
  await c.page.check('input[name=internal]')
  await c.page.press('textarea[name=reply]', 'Enter')
  const note = messageItem(c.page, 'not bold')
  await note.waitFor()
  t.equal(await note.locator('b').count(), 0, 'no <b> element from staff text either')
  t.equal(await note.locator('.mention-user').textContent(), '@Test Admin', 'a colleague mention is a link with the name only')

  t.same(c.dialogs, [], 'no alert ever opened')
  t.same(await c.problems(), [], 'no errors and no CSP violations in the browser')
})
