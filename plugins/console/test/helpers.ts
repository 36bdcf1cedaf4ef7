// Browser helpers shared by the console's tests.
import type { Browser, BrowserContext, Page, Response } from 'playwright-core'

export interface ConsolePage {
  page: Page
  context: BrowserContext
  /** Notifications the page constructed (window.Notification is wrapped to count them). */
  notifications: () => Promise<{ title: string, body: string | undefined }[]>
  /** Console messages and CSP violation events seen so far. */
  problems: () => Promise<string[]>
  /** Dialogs (alert, confirm) the page tried to open: there must never be any. */
  dialogs: string[]
  /** The response that loaded the console page. */
  response: Response | null
}

// Runs before the app's own script in every page: counts notifications and records CSP violations.
const instrument = (): void => {
  const w = window as unknown as Record<string, any>
  w.__notifications = []
  w.__problems = []
  document.addEventListener('securitypolicyviolation', (e) => { w.__problems.push(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`) })
  const Native = window.Notification
  if (typeof Native === 'function') {
    class Counted extends Native {
      constructor (title: string, options?: NotificationOptions) {
        w.__notifications.push({ title, body: options?.body })
        super(title, options)
      }
    }
    w.Notification = Counted
  }
}

export async function openConsolePage (browser: Browser, baseUrl: string, options: { notifications?: boolean, hash?: string, timezoneId?: string } = {}): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, timezoneId: options.timezoneId })
  if (options.notifications === true) await context.grantPermissions(['notifications'], { origin: baseUrl })
  await context.addInitScript(instrument)
  const page = await context.newPage()
  const logged: string[] = []
  const dialogs: string[] = []
  page.on('console', (m) => { if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) logged.push(`console.${m.type()}: ${m.text()}`) })
  page.on('pageerror', (err) => logged.push(`page error: ${err.message}`))
  page.on('dialog', (d) => { dialogs.push(`${d.type()}: ${d.message()}`); void d.dismiss() })
  const response = await page.goto(`${baseUrl}/plugins/console/${options.hash ?? ''}`)
  return {
    page,
    response,
    context,
    dialogs,
    notifications: () => page.evaluate(() => (window as unknown as Record<string, any>).__notifications),
    problems: async () => [...logged, ...await page.evaluate(() => (window as unknown as Record<string, any>).__problems as string[])]
  }
}

export async function signIn (page: Page, email: string, password: string): Promise<void> {
  await page.fill('input[name=email]', email)
  await page.fill('input[name=password]', password)
  await page.click('button[type=submit]')
  // Signed in and subscribed: the live indicator turns green once the websocket is acknowledged.
  await page.waitForSelector('.live-state.live-live')
}

/** Pretend the tab went to the background (or came back): what decides browser notifications. */
export async function setTabHidden (page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((hide) => {
    if (hide) {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true })
    } else {
      // Own properties shadow the prototype's getters: removing them restores the real state.
      delete (document as unknown as Record<string, unknown>).visibilityState
      delete (document as unknown as Record<string, unknown>).hidden
    }
    document.dispatchEvent(new Event('visibilitychange'))
  }, hidden)
}

/** The message whose text contains `text` (or is exactly `text`). */
export function messageItem (page: Page, text: string, exact = false) {
  const match = exact ? new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : text
  return page.locator('.message', { has: page.locator('.message-body', { hasText: match }) })
}
