// A loopback stand-in for Meta's Graph API (https://graph.facebook.com/v21.0/…), speaking its wire
// format: the page token as `access_token` in the query, the WhatsApp token as `Authorization:
// Bearer`, JSON answers, errors as HTTP 4xx/5xx with `{ error: { message, type, code,
// error_subcode?, error_data?, fbtrace_id } }`. It serves the Messenger Send API (`me/messages`),
// the WhatsApp Cloud API (`{phone-number-id}/messages`, `/media`, media lookups and downloads,
// `{waba-id}/subscribed_apps`) and page comments (`{comment-id}/comments`, private replies).
import { createHmac, randomBytes } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'

export interface FakeSend { body: Record<string, any>, messageId: string, at: number }
export type FakeFailure = { http: number, retryAfterSec?: number } | { http?: number, code: number, subcode?: number, message: string, details?: string, retryAfterSec?: number }

/** A comment the page posted through the API. */
export interface FakeComment { parentId: string, id: string, message?: string, attachmentUrl?: string, at: number, edits?: number, deleted?: boolean }
/** A private reply to a comment (a Messenger message). */
export interface FakePrivateReply { commentId: string, text: string, messageId: string, at: number }
/** An approved WhatsApp template: its language and how many body parameters it has. */
export interface FakeTemplate { language: string, parameters: number }

export interface FakeMeta {
  apiBaseUrl: string
  origin: string
  token: string
  appSecret: string
  pageId: string
  /** The WhatsApp business phone number and its business account. */
  phoneNumberId: string
  wabaId: string
  displayPhoneNumber: string
  sends: () => FakeSend[]
  sendRequests: () => number
  /** subscribed_apps calls: POST with fields, DELETE (page id or WhatsApp business account id). */
  subscriptions: () => { method: string, pageId: string, fields: string | null }[]
  failNext: (failures: FakeFailure[]) => void
  /** The user blocked the page / is no longer available: code 551 (Messenger), 131026 (WhatsApp). */
  block: (userId: string) => void
  /** WhatsApp messages accepted (`{phone-number-id}/messages`, not read receipts). */
  whatsappSends: () => FakeSend[]
  whatsappRequests: () => number
  /** Read receipts / typing indicators sent (`status: "read"`). */
  whatsappReads: () => Record<string, any>[]
  /** A file WhatsApp holds (as if a client sent it): its media id. `url` overrides where the lookup says it is. */
  addMedia: (file: { bytes: Buffer, mimeType: string, url?: string }) => string
  /** Files uploaded with `POST /{phone-number-id}/media`. */
  uploads: () => { id: string, bytes: Buffer, type: string, name: string }[]
  /** Media downloads: whether each carried the bearer token. */
  downloads: () => { id: string, authorized: boolean }[]
  templates: Map<string, FakeTemplate>
  comments: () => FakeComment[]
  commentRequests: () => number
  privateReplies: () => FakePrivateReply[]
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

export function nextWamid (): string {
  midSequence++
  return `wamid.${randomBytes(24).toString('base64url')}${midSequence}`
}

export async function startFakeMeta (options: { version?: string } = {}): Promise<FakeMeta> {
  const version = options.version ?? 'v21.0'
  const token = `EAAG${randomBytes(20).toString('hex')}`
  const appSecret = randomBytes(16).toString('hex')
  const pageId = String(100_000_000_000_000 + Math.floor(Math.random() * 1e12))
  const phoneNumberId = String(200_000_000_000_000 + Math.floor(Math.random() * 1e12))
  const wabaId = String(300_000_000_000_000 + Math.floor(Math.random() * 1e12))
  const displayPhoneNumber = '+1 555-010-0000'
  const sends: FakeSend[] = []
  const whatsappSends: FakeSend[] = []
  const whatsappReads: Record<string, any>[] = []
  const subscriptions: ReturnType<FakeMeta['subscriptions']> = []
  const blocked = new Set<string>()
  const media = new Map<string, { bytes: Buffer, mimeType: string, url?: string }>()
  const uploads: ReturnType<FakeMeta['uploads']> = []
  const downloads: ReturnType<FakeMeta['downloads']> = []
  const comments: FakeComment[] = []
  const privateReplies: FakePrivateReply[] = []
  const templates = new Map<string, FakeTemplate>()
  let failures: FakeFailure[] = []
  let sendRequests = 0
  let whatsappRequests = 0
  let commentRequests = 0
  let mediaSequence = 0
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 30 * 1024 * 1024 })
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

  const error = (code: number, message: string, type = 'OAuthException', subcode?: number, details?: string) =>
    ({ error: { message, type, code, ...(subcode !== undefined ? { error_subcode: subcode } : {}), ...(details !== undefined ? { error_data: { messaging_product: 'whatsapp', details } } : {}), fbtrace_id: randomBytes(8).toString('base64url') } })

  /** The next injected failure, answered; true when one was. */
  function injectedFailure (reply: FastifyReply): boolean {
    const failure = failures.shift()
    if (failure === undefined) return false
    if (failure.retryAfterSec !== undefined) reply.header('retry-after', String(failure.retryAfterSec))
    if (!('code' in failure)) {
      void reply.code(failure.http).send(failure.http >= 500 ? error(2, 'An unexpected error has occurred. Please retry your request later.', 'OAuthException') : error(failure.http, 'fake failure'))
    } else {
      void reply.code(failure.http ?? 400).send(error(failure.code, failure.message, 'OAuthException', failure.subcode, failure.details))
    }
    return true
  }

  app.addHook('preHandler', async (request, reply) => {
    if (request.url.startsWith('/media/')) return
    if (request.url.startsWith('/wa-media/')) return
    const query = request.query as Record<string, string>
    if (!request.url.startsWith(`/${version}/`)) return reply.code(400).send(error(2635, 'Unknown API version', 'OAuthException'))
    const bearer = request.headers.authorization === `Bearer ${token}`
    if (query.access_token !== token && !bearer) return reply.code(400).send(error(190, 'Invalid OAuth access token - Cannot parse access token'))
  })

  app.get(`/${version}/me`, async (request) => {
    const { fields } = request.query as { fields?: string }
    return fields === 'id,name' ? { id: pageId, name: 'Fake Support Page' } : { name: 'Fake Support Page', id: pageId }
  })
  app.post(`/${version}/:id/subscribed_apps`, async (request, reply) => {
    const { id } = request.params as { id: string }
    if (id !== pageId && id !== wabaId) return reply.code(400).send(error(100, 'Unsupported post request.', 'GraphMethodException', 33))
    subscriptions.push({ method: 'POST', pageId: id, fields: (request.query as Record<string, string>).subscribed_fields ?? null })
    return { success: true }
  })
  app.delete(`/${version}/:id/subscribed_apps`, async (request) => {
    subscriptions.push({ method: 'DELETE', pageId: (request.params as { id: string }).id, fields: null })
    return { success: true }
  })
  app.post(`/${version}/me/messages`, async (request, reply) => {
    sendRequests++
    if (injectedFailure(reply)) return reply
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

  // --- WhatsApp Cloud API -------------------------------------------------------------------

  /** The phone number's record, or a media lookup (`GET /{media-id}` → a short-lived download URL). */
  app.get(`/${version}/:id`, async (request, reply) => {
    const { id } = request.params as { id: string }
    if (id === phoneNumberId) return { verified_name: 'Fake Support', display_phone_number: displayPhoneNumber, quality_rating: 'GREEN', id: phoneNumberId }
    const file = media.get(id)
    if (file === undefined) return reply.code(400).send(error(100, `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, 'GraphMethodException', 33))
    return { messaging_product: 'whatsapp', url: file.url ?? `${origin}/wa-media/${id}?ext=1`, mime_type: file.mimeType, sha256: 'x', file_size: file.bytes.length, id }
  })
  app.get('/wa-media/:id', async (request, reply) => {
    const { id } = request.params as { id: string }
    const authorized = request.headers.authorization === `Bearer ${token}`
    downloads.push({ id, authorized })
    const file = media.get(id)
    if (!authorized) return reply.code(401).send('Unauthorized')
    if (file === undefined) return reply.code(404).send('Not found')
    return reply.type(file.mimeType).send(file.bytes)
  })
  app.post(`/${version}/:id/media`, async (request, reply) => {
    const { id } = request.params as { id: string }
    if (id !== phoneNumberId) return reply.code(400).send(error(100, 'Unsupported post request.', 'GraphMethodException', 33))
    const type = String(request.headers['content-type'] ?? '')
    if (!type.startsWith('multipart/form-data')) return reply.code(400).send(error(100, '(#100) The parameter file is required.'))
    const form = await new Response(new Uint8Array(request.body as Buffer), { headers: { 'content-type': type } }).formData()
    const file = form.get('file')
    if (form.get('messaging_product') !== 'whatsapp') return reply.code(400).send(error(100, '(#100) The parameter messaging_product is required.'))
    if (file === null || typeof file === 'string') return reply.code(400).send(error(100, '(#100) The parameter file is required.'))
    const bytes = Buffer.from(await file.arrayBuffer())
    const mediaId = String(900_000_000_000 + ++mediaSequence)
    media.set(mediaId, { bytes, mimeType: String(form.get('type') ?? file.type) })
    uploads.push({ id: mediaId, bytes, type: String(form.get('type') ?? ''), name: file.name })
    return { id: mediaId }
  })

  function whatsappMessageError (body: Record<string, any>): { code: number, message: string } | null {
    if (body.messaging_product !== 'whatsapp') return { code: 100, message: '(#100) The parameter messaging_product is required.' }
    if (typeof body.to !== 'string' || !/^[0-9]{5,20}$/.test(body.to)) return { code: 100, message: '(#100) Invalid parameter: to' }
    const type = body.type
    if (type === 'text') {
      const text = body.text?.body
      if (typeof text !== 'string' || text === '') return { code: 100, message: "(#100) The parameter text['body'] is required." }
      if (text.length > 4096) return { code: 100, message: "(#100) Param text['body'] must be at most 4096 characters long." }
      return null
    }
    if (['image', 'video', 'audio', 'document', 'sticker'].includes(type)) {
      const object = body[type]
      if (typeof object !== 'object' || object === null) return { code: 100, message: `(#100) The parameter ${type} is required.` }
      if (typeof object.id === 'string' ? !media.has(object.id) : typeof object.link !== 'string') return { code: 131053, message: '(#131053) Media upload error' }
      if (object.caption !== undefined && (['audio', 'sticker'].includes(type) || String(object.caption).length > 1024)) return { code: 100, message: '(#100) Invalid parameter: caption' }
      return null
    }
    if (type === 'interactive') {
      const interactive = body.interactive ?? {}
      const text = interactive.body?.text
      if (typeof text !== 'string' || text === '') return { code: 131008, message: '(#131008) Required parameter is missing: body' }
      if (interactive.type === 'button') {
        const buttons = interactive.action?.buttons
        if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) return { code: 131009, message: '(#131009) Parameter value is not valid: buttons count' }
        if (text.length > 1024) return { code: 131009, message: '(#131009) Parameter value is not valid: body text too long' }
        if (buttons.some((b: any) => b.type !== 'reply' || typeof b.reply?.id !== 'string' || typeof b.reply?.title !== 'string' || b.reply.title.length > 20)) return { code: 131009, message: '(#131009) Parameter value is not valid: button title' }
        if (new Set(buttons.map((b: any) => b.reply.id)).size !== buttons.length) return { code: 131009, message: '(#131009) Parameter value is not valid: button ids must be unique' }
        return null
      }
      if (interactive.type === 'list') {
        const rows = (interactive.action?.sections ?? []).flatMap((s: any) => s.rows ?? [])
        if (typeof interactive.action?.button !== 'string' || interactive.action.button.length > 20) return { code: 131009, message: '(#131009) Parameter value is not valid: button' }
        if (rows.length < 1 || rows.length > 10 || text.length > 4096) return { code: 131009, message: '(#131009) Parameter value is not valid: rows' }
        if (rows.some((r: any) => typeof r.id !== 'string' || typeof r.title !== 'string' || r.title.length > 24)) return { code: 131009, message: '(#131009) Parameter value is not valid: row title' }
        return null
      }
      return { code: 131009, message: '(#131009) Parameter value is not valid: interactive type' }
    }
    if (type === 'template') {
      const template = templates.get(body.template?.name)
      if (template === undefined || body.template?.language?.code !== template.language) return { code: 132001, message: '(#132001) Template name does not exist in the translation' }
      const parameters = (body.template.components ?? []).filter((c: any) => c.type === 'body').flatMap((c: any) => c.parameters ?? [])
      if (parameters.length !== template.parameters) return { code: 132000, message: '(#132000) Number of parameters does not match the expected number of params' }
      if (parameters.some((p: any) => p.type !== 'text' || typeof p.text !== 'string' || /[\n\t]| {5,}/.test(p.text) || p.text === '')) return { code: 132018, message: '(#132018) There was an issue with the parameters in your template' }
      return null
    }
    return { code: 100, message: `(#100) Invalid parameter: type ${String(type)}` }
  }

  /** `{phone-number-id}/messages` (WhatsApp) and `{page-id}/messages` (private replies to comments). */
  app.post(`/${version}/:id/messages`, async (request, reply) => {
    const { id } = request.params as { id: string }
    const body = (request.body ?? {}) as Record<string, any>
    if (id === phoneNumberId) {
      if (body.status === 'read') {
        if (body.messaging_product !== 'whatsapp' || typeof body.message_id !== 'string') return reply.code(400).send(error(100, '(#100) Invalid parameter'))
        whatsappReads.push(body)
        return { success: true }
      }
      whatsappRequests++
      if (injectedFailure(reply)) return reply
      const problem = whatsappMessageError(body)
      if (problem !== null) return reply.code(400).send(error(problem.code, problem.message))
      if (blocked.has(body.to)) return reply.code(400).send(error(131026, '(#131026) Message Undeliverable', 'OAuthException', undefined, 'Message Undeliverable.'))
      const messageId = nextWamid()
      whatsappSends.push({ body, messageId, at: Date.now() })
      return { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id: messageId }] }
    }
    if (id === pageId) {
      commentRequests++
      if (injectedFailure(reply)) return reply
      const commentId = body.recipient?.comment_id
      const text = body.message?.text
      if (typeof commentId !== 'string' || typeof text !== 'string') return reply.code(400).send(error(100, '(#100) The parameter recipient is required'))
      if (privateReplies.some(r => r.commentId === commentId)) return reply.code(400).send(error(10900, '(#10900) Activity already replied to'))
      const messageId = nextMid()
      privateReplies.push({ commentId, text, messageId, at: Date.now() })
      return { recipient_id: `psid-of-${commentId}`, message_id: messageId }
    }
    return reply.code(400).send(error(100, 'Unsupported post request.', 'GraphMethodException', 33))
  })

  // --- Page comments ------------------------------------------------------------------------

  app.post(`/${version}/:id/comments`, async (request, reply) => {
    const { id } = request.params as { id: string }
    commentRequests++
    if (injectedFailure(reply)) return reply
    if (!/^[0-9]+_[0-9]+$/.test(id)) return reply.code(400).send(error(100, `Unsupported post request. Object with ID '${id}' does not exist`, 'GraphMethodException', 33))
    const body = (request.body ?? {}) as Record<string, any>
    const message = typeof body.message === 'string' ? body.message : undefined
    const attachmentUrl = typeof body.attachment_url === 'string' ? body.attachment_url : undefined
    if (message === undefined && attachmentUrl === undefined) return reply.code(400).send(error(100, '(#100) Missing message or attachment'))
    if (message !== undefined && message.length > 8000) return reply.code(400).send(error(100, '(#100) Comment too long'))
    const commentId = `${id.split('_')[0]}_${700_000 + comments.length}`
    comments.push({ parentId: id, id: commentId, message, attachmentUrl, at: Date.now() })
    return { id: commentId }
  })

  /** Edit (`POST /{comment-id}` with `message`) or delete (`DELETE /{comment-id}`) one of the page's comments. */
  app.post(`/${version}/:id`, async (request, reply) => {
    const { id } = request.params as { id: string }
    commentRequests++
    if (injectedFailure(reply)) return reply
    const posted = comments.find(c => c.id === id && c.deleted !== true)
    if (posted === undefined) return reply.code(400).send(error(100, `Unsupported post request. Object with ID '${id}' does not exist`, 'GraphMethodException', 33))
    const message = (request.body as Record<string, unknown> | undefined)?.message
    if (typeof message !== 'string' || message === '') return reply.code(400).send(error(100, '(#100) Missing message'))
    posted.message = message
    posted.edits = (posted.edits ?? 0) + 1
    return { success: true }
  })
  app.delete(`/${version}/:id`, async (request, reply) => {
    const { id } = request.params as { id: string }
    commentRequests++
    if (injectedFailure(reply)) return reply
    const posted = comments.find(c => c.id === id && c.deleted !== true)
    if (posted === undefined) return reply.code(400).send(error(100, `Unsupported delete request. Object with ID '${id}' does not exist`, 'GraphMethodException', 33))
    posted.deleted = true
    return { success: true }
  })

  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const origin = `http://127.0.0.1:${port}`
  return {
    apiBaseUrl: origin,
    origin,
    token,
    appSecret,
    pageId,
    phoneNumberId,
    wabaId,
    displayPhoneNumber,
    sends: () => [...sends],
    sendRequests: () => sendRequests,
    subscriptions: () => [...subscriptions],
    failNext: (list) => { failures = [...failures, ...list] },
    block: (userId) => { blocked.add(userId) },
    whatsappSends: () => [...whatsappSends],
    whatsappRequests: () => whatsappRequests,
    whatsappReads: () => [...whatsappReads],
    addMedia (file) {
      const id = String(800_000_000_000 + ++mediaSequence)
      media.set(id, file)
      return id
    },
    uploads: () => [...uploads],
    downloads: () => [...downloads],
    templates,
    comments: () => comments.map(c => ({ ...c })),
    commentRequests: () => commentRequests,
    privateReplies: () => [...privateReplies],
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

// --- WhatsApp webhooks ------------------------------------------------------------------------

/** A `whatsapp_business_account` webhook with one `messages` change, as Meta posts it. */
export function whatsappBody (fake: Pick<FakeMeta, 'wabaId' | 'phoneNumberId' | 'displayPhoneNumber'>, value: { contacts?: Record<string, unknown>[], messages?: Record<string, unknown>[], statuses?: Record<string, unknown>[] }): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [{
      id: fake.wabaId,
      changes: [{
        value: { messaging_product: 'whatsapp', metadata: { display_phone_number: fake.displayPhoneNumber.replace(/\D/g, ''), phone_number_id: fake.phoneNumberId }, ...value },
        field: 'messages'
      }]
    }]
  }
}

/** A client's WhatsApp message (`type` and its object), with the sender's contact card. */
export function whatsappMessage (options: { from: string, name?: string, type?: string, content?: Record<string, unknown>, text?: string, id?: string, timestamp?: number, extra?: Record<string, unknown> }): { contacts: Record<string, unknown>[], messages: Record<string, unknown>[] } {
  const type = options.type ?? 'text'
  const content = options.content ?? { body: options.text ?? 'hello' }
  return {
    contacts: [{ profile: { name: options.name ?? `Client ${options.from.slice(-4)}` }, wa_id: options.from }],
    messages: [{ from: options.from, id: options.id ?? nextWamid(), timestamp: String(Math.floor((options.timestamp ?? Date.now()) / 1000)), type, [type]: content, ...(options.extra ?? {}) }]
  }
}

/** A status update for a message we sent. */
export function whatsappStatus (options: { id: string, status: 'sent' | 'delivered' | 'read' | 'failed', recipient: string, errors?: Record<string, unknown>[] }): Record<string, unknown> {
  return { id: options.id, status: options.status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: options.recipient, ...(options.errors !== undefined ? { errors: options.errors } : {}) }
}

// --- Page feed (comments) webhooks ------------------------------------------------------------

let commentSequence = 0
export function nextCommentId (postId: string): string {
  commentSequence++
  return `${postId.split('_')[1] ?? postId}_${500_000 + commentSequence}`
}

/** A `page` webhook with `feed` changes. */
export function feedBody (pageId: string, values: Record<string, unknown>[]): Record<string, unknown> {
  return { object: 'page', entry: [{ id: pageId, time: Math.floor(Date.now() / 1000), changes: values.map(value => ({ field: 'feed', value })) }] }
}

/** A comment on a page post (`item: comment`, `verb: add` unless told otherwise). */
export function commentValue (options: { postId: string, from: { id: string, name?: string }, message?: string, commentId?: string, parentId?: string, createdTime?: number, verb?: string, extra?: Record<string, unknown> }): Record<string, unknown> {
  return {
    from: { id: options.from.id, name: options.from.name ?? `Commenter ${options.from.id}` },
    post: { status_type: 'added_photos', is_published: true, updated_time: new Date().toISOString(), permalink_url: `https://www.facebook.com/${options.postId}`, promotion_status: 'inactive', id: options.postId },
    ...(options.message !== undefined ? { message: options.message } : {}),
    post_id: options.postId,
    comment_id: options.commentId ?? nextCommentId(options.postId),
    created_time: options.createdTime ?? Math.floor(Date.now() / 1000),
    item: 'comment',
    parent_id: options.parentId ?? options.postId,
    verb: options.verb ?? 'add',
    ...(options.extra ?? {})
  }
}
