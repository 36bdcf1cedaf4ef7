// A loopback stand-in for Viber's REST bot API (https://chatapi.viber.com/pa/…), speaking its wire
// format: POST JSON with `X-Viber-Auth-Token`, HTTP 200 with `{ status, status_message, … }`,
// 64-bit `message_token` numbers, and a signed `webhook` callback while set_webhook runs.
import { createHmac } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'

export interface FakeViberSend {
  body: Record<string, any>
  messageToken: string
  at: number
}

export type FakeFailure = { http: number, retryAfterSec?: number } | { status: number, message: string }

export interface FakeViber {
  /** Base URL to put in `apiBaseUrl` (ends with `/pa`). */
  apiBaseUrl: string
  origin: string
  token: string
  accountId: string
  sends: () => FakeViberSend[]
  /** send_message requests received, including failed ones. */
  sendRequests: () => number
  /** Every set_webhook call and what our webhook answered to the availability check. */
  webhooks: () => { url: string, event_types?: string[], send_name?: boolean, send_photo?: boolean, checkStatus: number | null }[]
  accountInfoCalls: () => number
  failNext: (failures: FakeFailure[]) => void
  unsubscribe: (userId: string) => void
  close: () => Promise<void>
}

export const pngBytes = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')

let tokenSequence = 5_741_311_803_571_721_000n

/** Next 64-bit message token, as Viber numbers them (past 2^53). */
export function nextMessageToken (): string {
  tokenSequence += 1n
  return tokenSequence.toString()
}

export function sign (token: string, raw: string | Buffer): string {
  return createHmac('sha256', token).update(raw).digest('hex')
}

export async function startFakeViber (options: { token?: string, name?: string } = {}): Promise<FakeViber> {
  const token = options.token ?? '4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f'
  const accountId = `pa:${Math.floor(Math.random() * 1e15)}`
  const sends: FakeViberSend[] = []
  const webhooks: ReturnType<FakeViber['webhooks']> = []
  const unsubscribed = new Set<string>()
  let failures: FakeFailure[] = []
  let sendRequests = 0
  let accountInfoCalls = 0
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 1024 * 1024 })
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body))

  const answer = (fields: Record<string, unknown>, rawToken?: string): string => {
    const json = JSON.stringify({ status: 0, status_message: 'ok', ...fields })
    // message_token is a bare 64-bit number on the wire.
    return rawToken === undefined ? json : json.replace(/}$/, `,"message_token":${rawToken}}`)
  }
  const error = (status: number, message: string): string => JSON.stringify({ status, status_message: message, chat_hostname: 'SN-CHAT-05_' })

  app.post('/pa/:method', async (request, reply) => {
    const { method } = request.params as { method: string }
    reply.type('application/json')
    if (request.headers['x-viber-auth-token'] !== token) return error(2, 'invalidAuthToken')
    let body: Record<string, any>
    try {
      body = JSON.parse(String(request.body ?? ''))
    } catch {
      return error(3, 'badData')
    }
    if (method === 'get_account_info') {
      accountInfoCalls++
      return answer({ id: accountId, chat_hostname: 'SN-CHAT-05_', name: options.name ?? 'Fake Support Bot', uri: 'fakesupport', icon: 'https://media.example.com/icon.jpg', background: 'https://media.example.com/bg.jpg', category: 'Business', subcategory: 'Support', location: { lon: 0.1, lat: 0.2 }, country: 'UK', webhook: webhooks.at(-1)?.url ?? '', event_types: webhooks.at(-1)?.event_types ?? [], subscribers_count: 2, members: [] })
    }
    if (method === 'set_webhook') {
      if (typeof body.url !== 'string') return error(4, 'missingData')
      const entry: ReturnType<FakeViber['webhooks']>[number] = { url: body.url, event_types: body.event_types, send_name: body.send_name, send_photo: body.send_photo, checkStatus: null }
      webhooks.push(entry)
      if (body.url === '') return answer({})
      // Viber checks the webhook before answering: a signed `webhook` event must get a 200.
      const raw = `{"event":"webhook","timestamp":${Date.now()},"chat_hostname":"SN-CHAT-05_","message_token":${nextMessageToken()}}`
      try {
        const res = await fetch(body.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-viber-content-signature': sign(token, raw) }, body: raw })
        entry.checkStatus = res.status
      } catch {
        entry.checkStatus = 0
      }
      if (entry.checkStatus !== 200) return error(1, 'invalidUrl')
      return answer({ chat_hostname: 'SN-CHAT-05_', event_types: body.event_types ?? [] })
    }
    if (method === 'send_message') {
      sendRequests++
      const failure = failures.shift()
      if (failure !== undefined) {
        if ('http' in failure) {
          if (failure.retryAfterSec !== undefined) reply.header('retry-after', String(failure.retryAfterSec))
          return reply.code(failure.http).send(JSON.stringify({ error: 'fake failure' }))
        }
        return error(failure.status, failure.message)
      }
      if (Buffer.byteLength(String(request.body), 'utf8') > 30 * 1024) return error(3, 'badData')
      if (typeof body.receiver !== 'string' || typeof body.type !== 'string' || typeof body.sender?.name !== 'string') return error(4, 'missingData')
      if (body.sender.name.length > 28) return error(3, 'badData')
      if (unsubscribed.has(body.receiver)) return error(6, 'receiverNotSubscribed')
      const messageToken = nextMessageToken()
      sends.push({ body, messageToken, at: Date.now() })
      return answer({ chat_hostname: 'SN-CHAT-05_', billing_status: 1 }, messageToken)
    }
    return error(3, 'badData')
  })

  // Media the payloads point at (served from the API's own origin in tests).
  app.get('/media/:name', async (_request, reply) => reply.type('image/png').send(pngBytes))

  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const origin = `http://127.0.0.1:${port}`
  return {
    apiBaseUrl: `${origin}/pa`,
    origin,
    token,
    accountId,
    sends: () => [...sends],
    sendRequests: () => sendRequests,
    webhooks: () => [...webhooks],
    accountInfoCalls: () => accountInfoCalls,
    failNext: (list) => { failures = [...failures, ...list] },
    unsubscribe: (userId) => { unsubscribed.add(userId) },
    close: () => app.close()
  }
}

/** A callback body as Viber sends it, with `message_token` as a bare number. */
export function callbackRaw (body: Record<string, unknown>): string {
  return JSON.stringify(body).replace(/"message_token":"(\d+)"/, '"message_token":$1')
}

export function messageEvent (options: { token?: string, userId: string, name?: string, timestamp?: number, message: Record<string, unknown> }): Record<string, unknown> {
  return {
    event: 'message',
    timestamp: options.timestamp ?? Date.now(),
    chat_hostname: 'SN-CHAT-05_',
    message_token: options.token ?? nextMessageToken(),
    sender: { id: options.userId, name: options.name ?? 'John McClane', avatar: 'https://media-direct.cdn.viber.com/download_photo?dlid=x', language: 'en', country: 'UK', api_version: 10 },
    message: options.message,
    silent: false
  }
}
