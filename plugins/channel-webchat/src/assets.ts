// The widget script (`widget.js`, built on first request and kept) and a demo page embedding it.
import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { buildWidget } from '@openline/widget'
import { connectorId, type Ctx } from './visitors.ts'

interface Script { js: Buffer, gzip: Buffer, etag: string }

let script: Promise<Script> | null = null

function widgetScript (): Promise<Script> {
  script ??= buildWidget().then(({ js }) => {
    const bytes = Buffer.from(js)
    return { js: bytes, gzip: gzipSync(bytes, { level: 9 }), etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"` }
  })
  // A failed build is retried on the next request rather than cached.
  script.catch(() => { script = null })
  return script
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)

const demoStyle = 'body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}code,pre{background:#f4f4f5;border-radius:4px}pre{padding:.75rem;white-space:pre-wrap;word-break:break-all}'
const demoStyleHash = createHash('sha256').update(demoStyle).digest('base64')

function demoPage (key: string, snippet: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Openline web chat demo</title>
<style>${demoStyle}</style>
</head>
<body>
<main>
<h1>Web chat demo</h1>
<p>This page embeds the web chat with the key <code>${escapeHtml(key)}</code> exactly as a website would. Open the chat button in the corner.</p>
<p>The snippet for your site:</p>
<pre>${escapeHtml(snippet)}</pre>
</main>
<script async src="/plugins/channel-webchat/widget.js" data-openline-key="${escapeHtml(key)}"></script>
</body>
</html>
`
}

export function registerAssets (app: FastifyInstance, ctx: Ctx): void {
  const publicUrl = ctx.config.publicUrl.replace(/\/+$/, '')

  app.get('/widget.js', async (request, reply) => {
    const { js, gzip, etag } = await widgetScript()
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      // Loaded by customers' pages from our origin.
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'public, max-age=300, stale-while-revalidate=3600')
      .header('etag', etag)
      .header('vary', 'accept-encoding')
    if (request.headers['if-none-match'] === etag) return reply.code(304).send()
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(gzip)
    return reply.send(js)
  })

  app.get<{ Params: { key: string } }>('/demo/:key', async (request, reply) => {
    const { key } = request.params
    const connection = /^[A-Za-z0-9_-]{8,255}$/.test(key) ? await ctx.connections.find(connectorId, key) : null
    if (connection === null || connection.status !== 'connected') return reply.code(404).type('text/plain').send('No web chat has this key')
    const host = String(request.headers.host ?? new URL(publicUrl).host).replace(/[^A-Za-z0-9.:[\]-]/g, '')
    const snippet = `<script async src="${publicUrl}/plugins/channel-webchat/widget.js" data-openline-key="${key}"></script>`
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', [
        "default-src 'none'", "script-src 'self'", `style-src 'sha256-${demoStyleHash}'`, `connect-src 'self' ws://${host} wss://${host}`,
        "img-src 'self' data: https: http:", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"
      ].join('; '))
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .send(demoPage(key, snippet))
  })
}
