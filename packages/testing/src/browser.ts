// Real headless Chromium for browser tests: Debian's package driven by playwright-core
// (`npx playwright install` cannot reach its CDN here).
import { chromium, type Browser } from 'playwright-core'

export const chromiumPath = process.env.OPENLINE_CHROMIUM ?? '/usr/bin/chromium'

export const chromiumFlags = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'
]

/** Launch Chromium; close it with `browser.close()` (tests: in `t.teardown`). */
export async function launchBrowser (): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumFlags, headless: true })
}

/** Where tests leave screenshots: `var/artifacts/` at the repository root (kept by CI, ignored by git). */
export function artifactPath (name: string): string {
  return new URL(`../../../var/artifacts/${name}`, import.meta.url).pathname
}
