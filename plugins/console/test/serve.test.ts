// The console's assets: served with the security headers, revalidated by ETag, nothing inline.
import { readdir, readFile } from 'node:fs/promises'
import t from 'tap'
import { buildTestApp } from '@openline/testing'
import { buildConsole } from '@openline/console'
import { consolePlugin, contentSecurityPolicy } from '../src/index.ts'

const h = await buildTestApp({ plugins: [consolePlugin] })
t.teardown(() => h.close())

const expectedCsp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

t.test('the bundle builds once, minified, and is cached in memory', async (t) => {
  const first = await buildConsole()
  t.ok(first.js.length > 10_000, 'a real bundle')
  t.ok(first.css.includes('.message.internal'), 'the stylesheet is in it')
  t.notOk(first.js.includes('conversationMutation'), 'minified: local names are mangled')
  t.notOk(first.js.includes("The console's only way to the server"), 'minified: no comments')
  t.equal(await buildConsole(), first, 'the same bundle object the second time')
})

for (const [path, type] of [['/plugins/console/', 'text/html'], ['/plugins/console/app.js', 'text/javascript'], ['/plugins/console/app.css', 'text/css']] as const) {
  t.test(`GET ${path}: content and security headers`, async (t) => {
    const res = await fetch(`${h.url}${path}`)
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), type)
    t.equal(res.headers.get('content-security-policy'), expectedCsp)
    t.equal(contentSecurityPolicy, expectedCsp)
    t.equal(res.headers.get('x-frame-options'), 'DENY')
    t.equal(res.headers.get('referrer-policy'), 'no-referrer')
    t.equal(res.headers.get('x-content-type-options'), 'nosniff')
    t.equal(res.headers.get('cache-control'), 'no-cache')
    const etag = res.headers.get('etag')
    t.ok(etag !== null && etag.length > 4, 'an ETag')
    const again = await fetch(`${h.url}${path}`, { headers: { 'if-none-match': String(etag) } })
    t.equal(again.status, 304, 'unchanged: 304')
    t.equal(again.headers.get('content-security-policy'), expectedCsp, 'headers on the 304 too')
    const other = await fetch(`${h.url}${path}`, { headers: { 'if-none-match': '"stale"' } })
    t.equal(other.status, 200, 'an old ETag gets the content')
  })
}

t.test('the page has nothing inline: external script and style only', async (t) => {
  const html = await (await fetch(`${h.url}/plugins/console/`)).text()
  const bundle = await buildConsole()
  t.match(html, `<script src="/plugins/console/app.js?v=${bundle.version}" defer></script>`)
  t.match(html, `<link rel="stylesheet" href="/plugins/console/app.css?v=${bundle.version}">`)
  t.notMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'no inline script')
  t.notMatch(html, /\sstyle=|<style/, 'no inline style')
  t.notMatch(html, /\son[a-z]+=/, 'no inline handlers')
  t.match(html, '<div id="app"></div>')
})

t.test('the console sources never render raw HTML nor set inline styles', async (t) => {
  const dir = new URL('../../../packages/console/src/', import.meta.url)
  const files = (await readdir(dir)).filter(f => /\.tsx?$/.test(f))
  t.ok(files.length > 20, 'the sources are there')
  for (const file of files) {
    const source = await readFile(new URL(file, dir), 'utf8')
    t.notMatch(source, /dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML/, `${file}: no raw HTML`)
    t.notMatch(source, /\sstyle=\{|\.style\./, `${file}: no inline styles (the CSP forbids them)`)
  }
})

t.test('the same path without the trailing slash serves the page too', async (t) => {
  const res = await fetch(`${h.url}/plugins/console`)
  t.equal(res.status, 200)
  t.match(await res.text(), '<div id="app"></div>')
})
