import type { Attachment, InboundMessage } from '@openline/sdk'

/** What a verified callback asks of us. */
export type Callback =
  | { kind: 'message', message: Omit<InboundMessage, 'connector' | 'externalAccountId'>, mediaUrl: string | null }
  | { kind: 'webhook' }
  | { kind: 'conversationStarted', userId: string, name: string | null, subscribed: boolean }
  | { kind: 'subscribed', userId: string, at: Date | undefined }
  | { kind: 'unsubscribed', userId: string, at: Date | undefined }
  | { kind: 'deliveryStatus', status: 'delivered' | 'read' | 'failed', messageToken: string, userId: string | null, at: Date | undefined, error: string | null }
  | { kind: 'ignored', reason: string }
  | { kind: 'invalid', reason: string }

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

/** An id: a string or a number as Viber sends it, whole, not truncated. */
function id (v: unknown): string | null {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v)
  if (typeof v !== 'string') return null
  const s = clean(v, 1000).trim()
  return s === '' || s.length > 255 ? null : s
}

/** Unix milliseconds → Date, only when plausible (2000–2200). */
export function toDate (v: unknown): Date | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 946_684_800_000 || v > 7_258_118_400_000) return undefined
  return new Date(Math.floor(v))
}

function num (v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER ? Math.floor(v) : undefined
}

function coordinate (v: unknown, limit: number): number | null {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= limit ? v : null
}

function mediaKind (type: string): Attachment['kind'] | null {
  switch (type) {
    case 'picture': return 'image'
    case 'video': return 'video'
    case 'file': return 'file'
    case 'sticker': return 'sticker'
    default: return null
  }
}

function mapMessage (body: Json): Callback {
  const sender = isObject(body.sender) ? body.sender : null
  const message = isObject(body.message) ? body.message : null
  const userId = id(sender?.id)
  const token = id(body.message_token)
  if (sender === null || message === null || userId === null || token === null) return { kind: 'invalid', reason: 'a message needs sender.id, message_token and message' }
  const type = str(message.type, 50) ?? 'text'
  const meta: Json = { viberType: type }
  const trackingData = str(message.tracking_data, 4000)
  if (trackingData !== null) meta.trackingData = trackingData
  const country = str(sender.country, 10)
  if (country !== null) meta.country = country
  const attachments: Attachment[] = []
  let text = typeof message.text === 'string' ? clean(message.text, 65_536) : ''
  let mediaUrl: string | null = null
  const kind = mediaKind(type)
  if (kind !== null) {
    const media = str(message.media, 2000)
    const stickerId = num(message.sticker_id)
    if (stickerId !== undefined) meta.stickerId = stickerId
    const reference = media ?? (stickerId !== undefined ? `sticker:${stickerId}` : null)
    if (reference !== null) {
      const attachment: Attachment = { kind, providerFileId: reference }
      const name = str(message.file_name, 255)
      if (name !== null) attachment.name = name
      const size = num(message.size) ?? num(message.file_size)
      if (size !== undefined) attachment.size = size
      attachments.push(attachment)
      mediaUrl = media
    }
    const duration = num(message.duration)
    if (duration !== undefined) meta.duration = duration
  } else if (type === 'location') {
    const location = isObject(message.location) ? message.location : null
    const lat = coordinate(location?.lat, 90)
    const lon = coordinate(location?.lon, 180)
    if (lat !== null && lon !== null) {
      attachments.push({ kind: 'location', providerFileId: `geo:${lat},${lon}` })
      meta.location = { lat, lon, address: str(location?.address, 1000) }
    }
  } else if (type === 'contact') {
    const contact = isObject(message.contact) ? message.contact : null
    const name = str(contact?.name, 255)
    const phone = str(contact?.phone_number, 100)
    if (name !== null || phone !== null) {
      meta.contact = { name, phone }
      if (text === '') text = [name, phone].filter(v => v !== null).join(' ')
    }
  } else if (type === 'url') {
    const url = str(message.media, 2000)
    if (url !== null && text === '') text = url
  }
  if (text.trim() === '' && attachments.length === 0) return { kind: 'ignored', reason: `empty ${type} message` }
  const name = str(sender.name, 255)
  const avatar = str(sender.avatar, 2000)
  const locale = str(sender.language, 20)
  const client: NonNullable<InboundMessage['client']> = {}
  if (name !== null) client.name = name
  if (avatar !== null && /^https?:\/\//.test(avatar)) client.avatarUrl = avatar
  if (locale !== null) client.locale = locale
  return {
    kind: 'message',
    mediaUrl,
    message: {
      externalUserId: userId,
      externalMessageId: token,
      sentAt: toDate(body.timestamp),
      text,
      attachments: attachments.length > 0 ? attachments : undefined,
      client: Object.keys(client).length > 0 ? client : undefined,
      meta
    }
  }
}

/** Map a parsed callback body (any JSON) to what the webhook does with it. Never throws. */
export function mapCallback (body: unknown): Callback {
  if (!isObject(body)) return { kind: 'invalid', reason: 'the body is not a JSON object' }
  const event = typeof body.event === 'string' ? body.event : null
  if (event === null) return { kind: 'invalid', reason: 'no event' }
  switch (event) {
    case 'message':
      return mapMessage(body)
    case 'webhook':
      return { kind: 'webhook' }
    case 'conversation_started': {
      const user = isObject(body.user) ? body.user : null
      const userId = id(user?.id)
      if (userId === null) return { kind: 'invalid', reason: 'conversation_started needs user.id' }
      return { kind: 'conversationStarted', userId, name: str(user?.name, 255), subscribed: body.subscribed === true }
    }
    case 'subscribed': {
      const userId = id(isObject(body.user) ? body.user.id : undefined)
      return userId === null ? { kind: 'invalid', reason: 'subscribed needs user.id' } : { kind: 'subscribed', userId, at: toDate(body.timestamp) }
    }
    case 'unsubscribed': {
      const userId = id(body.user_id)
      return userId === null ? { kind: 'invalid', reason: 'unsubscribed needs user_id' } : { kind: 'unsubscribed', userId, at: toDate(body.timestamp) }
    }
    case 'delivered':
    case 'seen':
    case 'failed': {
      const token = id(body.message_token)
      if (token === null) return { kind: 'invalid', reason: `${event} needs message_token` }
      return {
        kind: 'deliveryStatus',
        status: event === 'seen' ? 'read' : event,
        messageToken: token,
        userId: id(body.user_id),
        at: toDate(body.timestamp),
        error: event === 'failed' ? (str(body.desc, 1000) ?? 'failed') : null
      }
    }
    default:
      return { kind: 'ignored', reason: `unknown event ${clean(event, 50)}` }
  }
}
