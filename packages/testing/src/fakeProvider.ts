import Fastify, { type FastifyInstance } from 'fastify'

export interface FakeSend {
  idempotencyKey: string
  to: string
  text: string
  senderName: string | null
  at: number
}

export interface FakeProvider {
  url: string
  /** Messages the "provider" accepted, de-duplicated by idempotency key like a real provider with keys. */
  sent: () => FakeSend[]
  /** Edits and deletes of sent messages, in order (`id` is the provider id `send` returned). */
  changes: () => { action: 'edit' | 'delete', id: string, text?: string }[]
  /** Every request received, including failed and duplicate ones. */
  requests: () => number
  /** Answer the next `count` sends with `status` (e.g. 500, 429 with retry-after seconds). */
  failNext: (count: number, status: number, retryAfterSec?: number) => void
  /** Hold every send for `ms` before answering (to crash an app mid-delivery). */
  delay: (ms: number) => void
  close: () => Promise<void>
}

/** A loopback stand-in for a messenger provider's send API, used by the test connector. */
export async function startFakeProvider (): Promise<FakeProvider> {
  const accepted = new Map<string, FakeSend>()
  let requests = 0
  let failures: { status: number, retryAfterSec?: number }[] = []
  let delayMs = 0
  const app: FastifyInstance = Fastify({ logger: false })
  app.post('/send', async (request, reply) => {
    requests++
    if (delayMs > 0) await new Promise(resolve => setTimeout(resolve, delayMs))
    const failure = failures.shift()
    if (failure !== undefined) {
      if (failure.retryAfterSec !== undefined) reply.header('retry-after', String(failure.retryAfterSec))
      return reply.code(failure.status).send({ ok: false, error: `fake failure ${failure.status}` })
    }
    const body = request.body as { idempotencyKey: string, to: string, text: string, senderName: string | null }
    if (body.to === 'blocked-user') return reply.code(403).send({ ok: false, error: 'blocked by the user' })
    const existing = accepted.get(body.idempotencyKey)
    if (existing === undefined) accepted.set(body.idempotencyKey, { ...body, at: Date.now() })
    return { ok: true, id: `fake-${body.idempotencyKey}` }
  })
  const changes: { action: 'edit' | 'delete', id: string, text?: string }[] = []
  for (const action of ['edit', 'delete'] as const) {
    app.post(`/${action}`, async (request, reply) => {
      requests++
      const failure = failures.shift()
      if (failure !== undefined) return reply.code(failure.status).send({ ok: false, error: `fake failure ${failure.status}` })
      const body = request.body as { id: string, text?: string }
      if (![...accepted.keys()].some(key => `fake-${key}` === body.id)) return reply.code(400).send({ ok: false, error: 'message not found' })
      changes.push({ action, id: body.id, ...(body.text !== undefined ? { text: body.text } : {}) })
      return { ok: true }
    })
  }
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${address.port}`,
    sent: () => [...accepted.values()],
    changes: () => [...changes],
    requests: () => requests,
    failNext: (count, status, retryAfterSec) => { failures = [...failures, ...Array.from({ length: count }, () => ({ status, retryAfterSec }))] },
    delay: (ms) => { delayMs = ms },
    close: () => app.close()
  }
}
