import type { Attachment, InboundMessage } from '@openline/sdk'

/** One thing a webhook event asks of us. */
export type MetaEvent =
  | { kind: 'message', message: Omit<InboundMessage, 'connector' | 'externalAccountId'>, mediaUrls: (string | null)[] }
  | { kind: 'delivered', mids: string[] }
  | { kind: 'read', watermark: Date | undefined, userId: string }
  | { kind: 'ignored', reason: string }

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** PostgreSQL text and jsonb hold neither NUL nor lone surrogates: clean what the provider sends. */
export function clean (value: string, max: number): string {
  const text = value.replaceAll('\u0000', '').toWellFormed()
  return text.length > max ? text.slice(0, max).toWellFormed() : text
}

function str (v: unknown, max = 255): string | null {
  if (typeof v !== 'string') return null
  const s = clean(v, max).trim()
  return s === '' ? null : s
}

/** A Meta id (page-scoped / Instagram-scoped user id, mid): a non-empty string of at most 255 characters, or a safe integer. */
function id (v: unknown): string | null {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v)
  if (typeof v !== 'string' || v.length > 255) return null
  const s = clean(v, 255).trim()
  return s === '' ? null : s
}

/** Unix milliseconds → Date, only when plausible (2000–2200). */
export function toDate (v: unknown): Date | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 946_684_800_000 || v > 7_258_118_400_000) return undefined
  return new Date(Math.floor(v))
}

function attachmentKind (type: string, payload: Json | null): Attachment['kind'] | null {
  switch (type) {
    case 'image': return payload !== null && payload.sticker_id !== undefined ? 'sticker' : 'image'
    case 'video': return 'video'
    case 'audio': return 'audio'
    case 'file': return 'file'
    default: return null
  }
}

function mapMessage (event: Json, userId: string, object: string): MetaEvent {
  const message = event.message as Json
  if (message.is_echo === true) return { kind: 'ignored', reason: 'echo of our own message' }
  const mid = id(message.mid)
  if (mid === null) return { kind: 'ignored', reason: 'message without mid' }
  const meta: Json = { object }
  let text = typeof message.text === 'string' ? clean(message.text, 65_536) : ''
  if (isObject(message.quick_reply)) {
    const payload = str(message.quick_reply.payload, 1000)
    if (payload !== null) meta.payload = payload
  }
  const attachments: Attachment[] = []
  const mediaUrls: (string | null)[] = []
  const list = Array.isArray(message.attachments) ? message.attachments.slice(0, 20) : []
  for (const item of list) {
    if (!isObject(item)) continue
    const type = str(item.type, 50) ?? ''
    const payload = isObject(item.payload) ? item.payload : null
    const kind = attachmentKind(type, payload)
    const url = str(payload?.url, 4000)
    if (kind === null) {
      // fallback (shared links), location, template, story mentions…: kept as a link in the text when there is one.
      if (url !== null && /^https?:\/\//.test(url)) text = text === '' ? url : `${text}\n${url}`
      continue
    }
    if (url === null) continue
    const attachment: Attachment = { kind, providerFileId: url.slice(0, 2000) }
    const name = str(payload?.title, 255) ?? str(item.title, 255)
    if (name !== null) attachment.name = name
    attachments.push(attachment)
    mediaUrls.push(url)
  }
  const replyTo = isObject(message.reply_to) ? id(message.reply_to.mid) : null
  if (text.trim() === '' && attachments.length === 0) return { kind: 'ignored', reason: 'empty message' }
  const out: Omit<InboundMessage, 'connector' | 'externalAccountId'> = { externalUserId: userId, externalMessageId: mid, sentAt: toDate(event.timestamp), text, meta }
  if (attachments.length > 0) out.attachments = attachments
  if (replyTo !== null) out.quoteExternalId = replyTo
  return { kind: 'message', message: out, mediaUrls }
}

/** One `messaging[]` item → what to do. Never throws. */
export function mapMessagingEvent (event: unknown, object: string): MetaEvent {
  if (!isObject(event)) return { kind: 'ignored', reason: 'messaging item is not an object' }
  const userId = id(isObject(event.sender) ? event.sender.id : undefined)
  if (userId === null) return { kind: 'ignored', reason: 'no sender.id' }
  if (isObject(event.message)) return mapMessage(event, userId, object)
  if (isObject(event.postback)) {
    const postback = event.postback
    const title = str(postback.title, 1000) ?? ''
    const payload = str(postback.payload, 1000)
    const sentAt = toDate(event.timestamp)
    const mid = id(postback.mid) ?? (sentAt !== undefined ? `postback:${userId}:${sentAt.getTime()}` : null)
    if (mid === null) return { kind: 'ignored', reason: 'postback without mid or timestamp' }
    if (title === '' && payload === null) return { kind: 'ignored', reason: 'empty postback' }
    return { kind: 'message', mediaUrls: [], message: { externalUserId: userId, externalMessageId: mid, sentAt, text: title !== '' ? title : (payload ?? ''), meta: { object, postback: true, payload } } }
  }
  if (isObject(event.delivery)) {
    const mids = Array.isArray(event.delivery.mids) ? event.delivery.mids.slice(0, 100).map(id).filter((m): m is string => m !== null) : []
    return mids.length > 0 ? { kind: 'delivered', mids } : { kind: 'ignored', reason: 'delivery without mids' }
  }
  if (isObject(event.read)) return { kind: 'read', watermark: toDate(event.read.watermark), userId }
  return { kind: 'ignored', reason: `unhandled messaging event (${Object.keys(event).filter(k => !['sender', 'recipient', 'timestamp'].includes(k)).slice(0, 3).join(',').slice(0, 100)})` }
}

/** A parsed webhook body → its object type and every messaging event in it. */
export function mapWebhook (body: unknown): { object: string | null, events: MetaEvent[] } | null {
  if (!isObject(body)) return null
  const object = typeof body.object === 'string' ? clean(body.object, 50) : null
  const events: MetaEvent[] = []
  const entries = Array.isArray(body.entry) ? body.entry.slice(0, 100) : []
  for (const entry of entries) {
    if (!isObject(entry)) continue
    const messaging = Array.isArray(entry.messaging) ? entry.messaging.slice(0, 1000) : []
    for (const event of messaging) events.push(mapMessagingEvent(event, object ?? ''))
  }
  return { object, events }
}
