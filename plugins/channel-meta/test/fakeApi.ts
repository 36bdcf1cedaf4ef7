// A loopback stand-in for Meta's Graph API (https://graph.facebook.com/v21.0/…), speaking its wire
// format: `access_token` in the query, JSON answers, errors as HTTP 4xx/5xx with
// `{ error: { message, type, code, error_subcode?, fbtrace_id } }`.
import { createHmac, randomBytes } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'

export interface FakeSend { body: Record<string, any>, messageId: string, at: number }
export type FakeFailure = { http: number, retryAfterSec?: number } | { http?: number, code: number, subcode?: number, message: string, retryAfterSec?: number }

export interface FakeMeta {
  apiBaseUrl: string
  origin: string
  token: string
  appSecret: string
  pageId: string
  sends: () => FakeSend[]
  sendRequests: () => number
  /** subscribed_apps calls: POST with fields, DELETE. */
  subscriptions: () => { method: string, pageId: string, fields: string | null }[]
  failNext: (failures: FakeFailure[]) => void
  /** The user blocked the page / is no longer available: code 551. */
  block: (userId: string) => void
  close: () => Promise<void>
}

export const pngBytes = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')

export function sign (appSecret: string, raw: string | Buffer): string {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`
}

let midSequence = 0
export function nextMid (): string {
  midSequence++
  return `m_${randomBytes(12).toString('base64url')}${midSequence}`
}

export async function startFakeMeta (options: { version?: string } = {}): Promise<FakeMeta> {
  const version = options.version ?? 'v21.0'
  const token = `EAAG${randomBytes(20).toString('hex')}`
  const appSecret = randomBytes(16).toString('hex')
  const pageId = String(100_000_000_000_000 + Math.floor(Math.random() * 1e12))
  const sends: FakeSend[] = []
  const subscriptions: ReturnType<FakeMeta['subscriptions']> = []
  const blocked = new Set<string>()
  let failures: FakeFailure[] = []
  let sendRequests = 0
  const app: FastifyInstance = Fastify({ logger: false })

  const error = (code: number, message: string, type = 'OAuthException', subcode?: number) =>
    ({ error: { message, type, code, ...(subcode !== undefined ? { error_subcode: subcode } : {}), fbtrace_id: randomBytes(8).toString('base64url') } })

  app.addHook('preHandler', async (request, reply) => {
    if (request.url.startsWith('/media/')) return
    const query = request.query as Record<string, string>
    if (!request.url.startsWith(`/${version}/`)) return reply.code(400).send(error(2635, 'Unknown API version', 'OAuthException'))
    if (query.access_token !== token) return reply.code(400).send(error(190, 'Invalid OAuth access token - Cannot parse access token'))
  })

  app.get(`/${version}/me`, async (request) => {
    const { fields } = request.query as { fields?: string }
    return fields === 'id,name' ? { id: pageId, name: 'Fake Support Page' } : { name: 'Fake Support Page', id: pageId }
  })
  app.post(`/${version}/:pageId/subscribed_apps`, async (request, reply) => {
    const { pageId: id } = request.params as { pageId: string }
    if (id !== pageId) return reply.code(400).send(error(100, 'Unsupported post request.', 'GraphMethodException', 33))
    subscriptions.push({ method: 'POST', pageId: id, fields: (request.query as Record<string, string>).subscribed_fields ?? null })
    return { success: true }
  })
  app.delete(`/${version}/:pageId/subscribed_apps`, async (request) => {
    subscriptions.push({ method: 'DELETE', pageId: (request.params as { pageId: string }).pageId, fields: null })
    return { success: true }
  })
  app.post(`/${version}/me/messages`, async (request, reply) => {
    sendRequests++
    const failure = failures.shift()
    if (failure !== undefined) {
      if (failure.retryAfterSec !== undefined) reply.header('retry-after', String(failure.retryAfterSec))
      if (!('code' in failure)) {
        return reply.code(failure.http).send(failure.http >= 500 ? error(2, 'An unexpected error has occurred. Please retry your request later.', 'OAuthException') : error(failure.http, 'fake failure'))
      }
      return reply.code(failure.http ?? 400).send(error(failure.code, failure.message, 'OAuthException', failure.subcode))
    }
    const body = request.body as Record<string, any>
    const recipient = body?.recipient?.id
    if (typeof recipient !== 'string') return reply.code(400).send(error(100, '(#100) The parameter recipient is required'))
    if (body.messaging_type === 'MESSAGE_TAG' && body.tag !== 'HUMAN_AGENT') return reply.code(400).send(error(100, '(#100) Param tag must be one of …'))
    if (!['RESPONSE', 'MESSAGE_TAG', 'UPDATE'].includes(body.messaging_type)) return reply.code(400).send(error(100, '(#100) Invalid messaging_type'))
    const message = body.message
    if (typeof message !== 'object' || message === null || (typeof message.text !== 'string' && typeof message.attachment !== 'object')) return reply.code(400).send(error(100, '(#100) Param message must be a message'))
    if (typeof message.text === 'string' && message.text.length > 2000) return reply.code(400).send(error(100, '(#100) Length of param message[text] must be less than or equal to 2000'))
    if (blocked.has(recipient)) return reply.code(400).send(error(551, "This person isn't available right now.", 'OAuthException', 1545041))
    const messageId = nextMid()
    sends.push({ body, messageId, at: Date.now() })
    return { recipient_id: recipient, message_id: messageId }
  })
  app.get('/media/:name', async (_request, reply) => reply.type('image/png').send(pngBytes))

  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const origin = `http://127.0.0.1:${port}`
  return {
    apiBaseUrl: origin,
    origin,
    token,
    appSecret,
    pageId,
    sends: () => [...sends],
    sendRequests: () => sendRequests,
    subscriptions: () => [...subscriptions],
    failNext: (list) => { failures = [...failures, ...list] },
    block: (userId) => { blocked.add(userId) },
    close: () => app.close()
  }
}

/** A webhook body with messaging events, as Meta posts it. */
export function webhookBody (object: 'page' | 'instagram', pageId: string, messaging: Record<string, unknown>[]): Record<string, unknown> {
  return { object, entry: [{ id: pageId, time: Date.now(), messaging }] }
}

export function messageEvent (options: { pageId: string, userId: string, timestamp?: number, mid?: string, text?: string, attachments?: Record<string, unknown>[], extra?: Record<string, unknown> }): Record<string, unknown> {
  const message: Record<string, unknown> = { mid: options.mid ?? nextMid(), ...(options.extra ?? {}) }
  if (options.text !== undefined) message.text = options.text
  if (options.attachments !== undefined) message.attachments = options.attachments
  return { sender: { id: options.userId }, recipient: { id: options.pageId }, timestamp: options.timestamp ?? Date.now(), message }
}
