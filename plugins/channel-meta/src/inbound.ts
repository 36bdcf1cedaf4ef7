import type { Attachment, InboundMessage } from '@openline/sdk'
import { clean, id, isObject, str, toDate, type Json } from './values.ts'
import { mapWhatsAppChange } from './whatsappInbound.ts'
import { mapFeedChange } from './commentsInbound.ts'

export { clean, toDate } from './values.ts'

/** Where an inbound file comes from: a link in the payload (Messenger, comments) or a WhatsApp media id. */
export type MediaSource = { kind: 'url', url: string } | { kind: 'whatsapp', mediaId: string }

/** One thing a webhook event asks of us. */
export type MetaEvent =
  | { kind: 'message', message: Omit<InboundMessage, 'connector' | 'externalAccountId'>, media: (MediaSource | null)[] }
  | { kind: 'delivered', mids: string[] }
  | { kind: 'read', watermark: Date | undefined, userId: string }
  | { kind: 'status', messageId: string, status: 'delivered' | 'read' | 'failed', error?: string }
  | { kind: 'ignored', reason: string }

export type ConnectorId = 'messenger' | 'instagram' | 'whatsapp' | 'facebook-comments'

/**
 * An event and the connection it belongs to: the connector, and the provider account when the
 * payload names it (page id, WhatsApp phone number id). One app posts every page's and number's
 * events to the callback URL configured for its object, so the URL's connection is not always theirs.
 */
export interface RoutedEvent {
  connector: ConnectorId
  /** null: the payload names no usable account (Instagram's entry id is not the page id): the URL's connection. */
  accountId: string | null
  event: MetaEvent
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
  const media: MediaSource[] = []
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
    media.push({ kind: 'url', url })
  }
  const replyTo = isObject(message.reply_to) ? id(message.reply_to.mid) : null
  if (text.trim() === '' && attachments.length === 0) return { kind: 'ignored', reason: 'empty message' }
  const out: Omit<InboundMessage, 'connector' | 'externalAccountId'> = { externalUserId: userId, externalMessageId: mid, sentAt: toDate(event.timestamp), text, meta }
  if (attachments.length > 0) out.attachments = attachments
  if (replyTo !== null) out.quoteExternalId = replyTo
  return { kind: 'message', message: out, media }
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
    return { kind: 'message', media: [], message: { externalUserId: userId, externalMessageId: mid, sentAt, text: title !== '' ? title : (payload ?? ''), meta: { object, postback: true, payload } } }
  }
  if (isObject(event.delivery)) {
    const mids = Array.isArray(event.delivery.mids) ? event.delivery.mids.slice(0, 100).map(id).filter((m): m is string => m !== null) : []
    return mids.length > 0 ? { kind: 'delivered', mids } : { kind: 'ignored', reason: 'delivery without mids' }
  }
  if (isObject(event.read)) return { kind: 'read', watermark: toDate(event.read.watermark), userId }
  return { kind: 'ignored', reason: `unhandled messaging event (${Object.keys(event).filter(k => !['sender', 'recipient', 'timestamp'].includes(k)).slice(0, 3).join(',').slice(0, 100)})` }
}

/** The webhook objects this plugin reads. */
const objects = new Set(['page', 'instagram', 'whatsapp_business_account'])

function mapEntry (entry: Json, object: string, out: RoutedEvent[]): void {
  const entryId = id(entry.id)
  const messaging = Array.isArray(entry.messaging) ? entry.messaging.slice(0, 1000) : []
  for (const event of messaging) {
    if (object === 'instagram') out.push({ connector: 'instagram', accountId: null, event: mapMessagingEvent(event, object) })
    else if (object === 'page') out.push({ connector: 'messenger', accountId: entryId, event: mapMessagingEvent(event, object) })
  }
  const changes = Array.isArray(entry.changes) ? entry.changes.slice(0, 1000) : []
  for (const change of changes) {
    if (object === 'whatsapp_business_account') {
      const mapped = mapWhatsAppChange(change)
      for (const event of mapped.events) out.push({ connector: 'whatsapp', accountId: mapped.phoneNumberId, event })
    } else if (object === 'page') {
      out.push({ connector: 'facebook-comments', accountId: entryId, event: mapFeedChange(change, entryId) })
    } else {
      out.push({ connector: 'instagram', accountId: null, event: { kind: 'ignored', reason: 'instagram changes (comments, mentions) are not handled' } })
    }
  }
}

/** A parsed webhook body → its object type and every event in it, each with the connection it is for. */
export function mapWebhook (body: unknown): { object: string | null, events: RoutedEvent[] } | null {
  if (!isObject(body)) return null
  const object = typeof body.object === 'string' ? clean(body.object, 50) : null
  const events: RoutedEvent[] = []
  if (object === null || !objects.has(object)) return { object, events }
  const entries = Array.isArray(body.entry) ? body.entry.slice(0, 100) : []
  for (const entry of entries) {
    if (isObject(entry)) mapEntry(entry, object, events)
  }
  return { object, events }
}
