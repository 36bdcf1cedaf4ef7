import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { PluginContext } from '@openline/sdk'
import { buildConsole, type ConsoleBundle } from '@openline/console'
import { securityHeaders } from './headers.ts'
import { indexHtml } from './page.ts'

interface Asset {
  path: string
  type: string
  body: (bundle: ConsoleBundle) => string
}

const assets: Asset[] = [
  { path: '/', type: 'text/html; charset=utf-8', body: b => indexHtml(b.version) },
  { path: '/app.js', type: 'text/javascript; charset=utf-8', body: b => b.js },
  { path: '/app.css', type: 'text/css; charset=utf-8', body: b => b.css }
]

/** `GET /plugins/console/`, `/app.js`, `/app.css`, every response with the security headers. */
export function registerConsoleRoutes (app: FastifyInstance, ctx: PluginContext): void {
  app.addHook('onSend', async (_request, reply) => {
    for (const [name, value] of Object.entries(securityHeaders)) reply.header(name, value)
  })

  for (const asset of assets) {
    app.get(asset.path, async (request: FastifyRequest, reply: FastifyReply) => {
      const bundle = await buildConsole()
      // Revalidated on every load: a new deployment reaches agents on their next reload.
      const etag = `"${bundle.version}-${asset.path.replace(/\W/g, '') || 'index'}"`
      reply.header('cache-control', 'no-cache').header('etag', etag)
      if (request.headers['if-none-match'] === etag) return reply.code(304).send()
      return reply.type(asset.type).send(asset.body(bundle))
    })
  }

  // Build while the server starts, so the first agent does not wait for esbuild.
  buildConsole().catch((err: Error) => ctx.log.error({ err: err.message }, 'console bundle failed to build'))
}
