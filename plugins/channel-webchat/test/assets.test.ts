// The widget script and the demo page as the plugin serves them.
import { gunzipSync } from 'node:zlib'
import t from 'tap'
import { buildWidget } from '@openline/widget'
import type { AgentClient, TestApp } from '@openline/testing'
import { createWidget, startApp, type Widget } from './helpers.ts'

t.test('served: widget.js for any site, the demo page with a strict CSP', async (t) => {
  let h: TestApp | undefined
  t.teardown(async () => { await h?.close() })
  let admin: AgentClient
  ({ h, admin } = await startApp())
  const widget: Widget = await createWidget(admin, 'Served shop')
  const script = await fetch(`${h.url}/plugins/channel-webchat/widget.js`, { headers: { 'accept-encoding': 'identity' } })
  t.equal(script.status, 200)
  t.match(script.headers.get('content-type'), /^text\/javascript/)
  t.equal(script.headers.get('cross-origin-resource-policy'), 'cross-origin')
  t.match(script.headers.get('cache-control'), /max-age=\d+/)
  const body = await script.text()
  t.equal(body, (await buildWidget()).js)
  const etag = script.headers.get('etag')!
  t.equal((await fetch(`${h.url}/plugins/channel-webchat/widget.js`, { headers: { 'if-none-match': etag } })).status, 304)
  const zipped = await new Promise<{ encoding: string | undefined, body: Buffer }>((resolve, reject) => {
    // fetch would unzip on its own: read the raw bytes.
    import('node:http').then(({ get }) => get(`${h!.url}/plugins/channel-webchat/widget.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }))
    }).on('error', reject), reject)
  })
  t.equal(zipped.encoding, 'gzip')
  t.equal(gunzipSync(zipped.body).toString(), body)

  const demo = await fetch(`${h.url}/plugins/channel-webchat/demo/${widget.key}`)
  t.equal(demo.status, 200)
  const csp = demo.headers.get('content-security-policy') ?? ''
  t.match(csp, /default-src 'none'/)
  t.match(csp, /script-src 'self'(;|$)/)
  t.notMatch(csp, /unsafe-inline|unsafe-eval/)
  t.match(csp, /frame-ancestors 'none'/)
  const html = await demo.text()
  t.match(html, `<script async src="/plugins/channel-webchat/widget.js" data-openline-key="${widget.key}"></script>`)
  t.match(html, `&#60;script async src=&#34;${h.url}/plugins/channel-webchat/widget.js&#34; data-openline-key=&#34;${widget.key}&#34;&#62;&#60;/script&#62;`, 'the snippet, escaped')
  t.equal((await fetch(`${h.url}/plugins/channel-webchat/demo/no-such-widget-key`)).status, 404)
  t.equal((await fetch(`${h.url}/plugins/channel-webchat/demo/${encodeURIComponent('<script>')}`)).status, 404)
})
