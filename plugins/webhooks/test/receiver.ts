// A loopback integration receiving the plugin's webhooks: it records every request and answers
// as a test tells it to, per path.
import { createServer, type IncomingHttpHeaders } from 'node:http'

export interface Received {
  path: string
  headers: IncomingHttpHeaders
  /** The body exactly as sent: what the signature covers. */
  raw: string
  body: any
  /** The status this receiver answered with. */
  answered: number
}

export interface Answer {
  status: number
  headers?: Record<string, string>
  body?: string
  /** Answer this late (a receiver that hangs). */
  delayMs?: number
}

export interface Receiver {
  /** `http://127.0.0.1:<port>`: name it in the plugin's `trustedOrigins`. */
  origin: string
  port: number
  url: (path: string) => string
  received: (path: string) => Received[]
  /** How to answer requests on `path` from now on (default: 200). */
  answer: (path: string, decide: (request: Received) => Answer) => void
  close: () => Promise<void>
}

export async function startReceiver (): Promise<Receiver> {
  const log: Received[] = []
  const deciders = new Map<string, (request: Received) => Answer>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      let body: unknown = null
      try { body = JSON.parse(raw) } catch {}
      const path = (req.url ?? '/').split('?')[0]
      const request: Received = { path, headers: req.headers, raw, body, answered: 0 }
      const answer = deciders.get(path)?.(request) ?? { status: 200 }
      request.answered = answer.status
      log.push(request)
      setTimeout(() => {
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers })
        res.end(answer.body ?? 'ok')
      }, answer.delayMs ?? 0)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const origin = `http://127.0.0.1:${port}`
  return {
    origin,
    port,
    url: (path) => `${origin}${path}`,
    received: (path) => log.filter(r => r.path === path),
    answer: (path, decide) => { deciders.set(path, decide) },
    close: () => new Promise<void>(resolve => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}
