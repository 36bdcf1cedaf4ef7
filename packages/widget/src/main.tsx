// Entry of widget.js. The snippet on a site:
//   <script async src="https://HOST/plugins/channel-webchat/widget.js" data-openline-key="KEY"></script>
// The script finds its own tag (key, and the server's origin from its src) and renders the chat
// into a shadow root, so the page's styles and ours never mix.
import { render } from 'preact'
import { App } from './App.tsx'
import { css } from './styles.ts'

function ownTag (): HTMLScriptElement | null {
  const current = document.currentScript
  if (current instanceof HTMLScriptElement && current.dataset.openlineKey !== undefined) return current
  return document.querySelector<HTMLScriptElement>('script[data-openline-key]')
}

function styleShadow (root: ShadowRoot): void {
  // A constructed sheet is not an inline style: pages with a strict CSP (no 'unsafe-inline') keep working.
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet()
    sheet.replaceSync(css)
    root.adoptedStyleSheets = [sheet]
    return
  }
  const style = document.createElement('style')
  style.textContent = css
  root.appendChild(style)
}

function mount (key: string, base: string): void {
  if (document.querySelector('[data-openline-widget]') !== null) return // the snippet twice on one page
  const host = document.createElement('div')
  host.setAttribute('data-openline-widget', '')
  document.body.appendChild(host)
  const shadow = host.attachShadow({ mode: 'open' })
  styleShadow(shadow)
  const container = document.createElement('div')
  shadow.appendChild(container)
  render(<App base={base} widgetKey={key} />, container)
}

// currentScript exists only while this script first runs: read the tag now, mount when the body is there.
const tag = ownTag()
const key = tag?.dataset.openlineKey
if (tag !== null && key !== undefined && key !== '') {
  const base = new URL(tag.src, location.href).origin
  if (document.body !== null) mount(key, base)
  else document.addEventListener('DOMContentLoaded', () => mount(key, base), { once: true })
}
