import type { Attachment, InboundMessage } from '@openline/sdk'
import type { MediaSource, MetaEvent } from './inbound.ts'
import { clean, fromSeconds, id, isObject, str, type Json } from './values.ts'
import { explainWhatsAppCode } from './whatsappErrors.ts'

const mediaKinds: Record<string, Attachment['kind']> = { image: 'image', video: 'video', audio: 'audio', document: 'file', sticker: 'sticker' }

/** WhatsApp media ids are numeric; anything else never reaches a Graph API path. */
const mediaId = (v: unknown): string | null => typeof v === 'string' && /^[0-9A-Za-z_-]{1,128}$/.test(v) ? v : null

function finite (v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/** The text and extra data a message of `type` carries; null text: a type we do not take. */
function content (message: Json, type: string): { text: string, meta: Json, attachment?: Attachment, media?: MediaSource } | null {
  const body = isObject(message[type]) ? message[type] : null
  switch (type) {
    case 'text':
      return { text: typeof body?.body === 'string' ? clean(body.body, 65_536) : '', meta: {} }
    case 'image': case 'video': case 'audio': case 'document': case 'sticker': {
      const fileId = mediaId(body?.id)
      const text = typeof body?.caption === 'string' ? clean(body.caption, 65_536) : ''
      if (fileId === null) return { text, meta: {} }
      const attachment: Attachment = { kind: mediaKinds[type], providerFileId: fileId }
      const mimeType = str(body?.mime_type, 100)
      if (mimeType !== null && /^[\w.+-]+\/[\w.+-]+$/.test(mimeType.split(';')[0].trim())) attachment.mimeType = mimeType.split(';')[0].trim()
      const name = str(body?.filename, 255)
      if (name !== null) attachment.name = name
      return { text, meta: type === 'audio' && body?.voice === true ? { voice: true } : {}, attachment, media: { kind: 'whatsapp', mediaId: fileId } }
    }
    case 'location': {
      const latitude = finite(body?.latitude)
      const longitude = finite(body?.longitude)
      if (latitude === null || longitude === null) return { text: '', meta: {} }
      const label = [str(body?.name, 255), str(body?.address, 500)].filter(s => s !== null).join(', ')
      return { text: `📍 ${latitude}, ${longitude}${label !== '' ? ` (${label})` : ''}`, meta: { location: { latitude, longitude } } }
    }
    case 'contacts': {
      const list = Array.isArray(message.contacts) ? message.contacts.slice(0, 10) : []
      const lines = list.filter(isObject).map(c => {
        const name = isObject(c.name) ? str(c.name.formatted_name, 255) : null
        const phones = Array.isArray(c.phones) ? c.phones.filter(isObject).map(p => str(p.phone, 50)).filter(p => p !== null).slice(0, 5) : []
        return `👤 ${[name, ...phones].filter(s => s !== null).join(' ')}`
      }).filter(line => line !== '👤 ')
      return { text: lines.join('\n'), meta: {} }
    }
    case 'interactive': {
      const reply = isObject(body?.button_reply) ? body.button_reply : isObject(body?.list_reply) ? body.list_reply : null
      if (reply === null) return null
      const data = str(reply.id, 256)
      const title = str(reply.title, 1000)
      return { text: title ?? data ?? '', meta: data !== null ? { callbackData: data } : {} }
    }
    case 'button': {
      // A quick-reply button of a template message.
      const payload = str(body?.payload, 1000)
      const label = str(body?.text, 1000)
      return { text: label ?? payload ?? '', meta: payload !== null ? { callbackData: payload } : {} }
    }
    default:
      return null
  }
}

function mapMessage (message: unknown, names: Map<string, string>): MetaEvent {
  if (!isObject(message)) return { kind: 'ignored', reason: 'message is not an object' }
  const wamid = id(message.id)
  const from = id(message.from)
  if (wamid === null || from === null) return { kind: 'ignored', reason: 'message without id or from' }
  const type = str(message.type, 50) ?? ''
  const mapped = content(message, type)
  if (mapped === null) return { kind: 'ignored', reason: `message type ${type.slice(0, 50) || '(none)'} not handled` }
  if (mapped.text.trim() === '' && mapped.attachment === undefined) return { kind: 'ignored', reason: 'empty message' }
  const out: Omit<InboundMessage, 'connector' | 'externalAccountId'> = {
    externalUserId: from,
    externalMessageId: wamid,
    sentAt: fromSeconds(message.timestamp),
    text: mapped.text,
    meta: { object: 'whatsapp_business_account', type, ...mapped.meta }
  }
  if (mapped.attachment !== undefined) out.attachments = [mapped.attachment]
  const quoted = isObject(message.context) ? id(message.context.id) : null
  if (quoted !== null) out.quoteExternalId = quoted
  const client: NonNullable<InboundMessage['client']> = {}
  const name = names.get(from)
  if (name !== undefined) client.name = name
  if (/^[0-9]{5,20}$/.test(from)) client.phone = `+${from}`
  if (Object.keys(client).length > 0) out.client = client
  return { kind: 'message', message: out, media: mapped.media !== undefined ? [mapped.media] : [] }
}

function failureText (errors: unknown): string {
  const first = Array.isArray(errors) && isObject(errors[0]) ? errors[0] : null
  if (first === null) return 'WhatsApp reported the message as failed'
  const code = typeof first.code === 'number' ? first.code : null
  const title = str(first.title, 300) ?? str(first.message, 300) ?? 'failed'
  const details = isObject(first.error_data) ? str(first.error_data.details, 500) : null
  const explained = explainWhatsAppCode(code)
  return clean([`${code ?? ''} ${title}`.trim(), details, explained !== null ? `(${explained})` : null].filter(s => s !== null).join(' — '), 1000)
}

function mapStatus (status: unknown): MetaEvent {
  if (!isObject(status)) return { kind: 'ignored', reason: 'status is not an object' }
  const messageId = id(status.id)
  if (messageId === null) return { kind: 'ignored', reason: 'status without id' }
  switch (status.status) {
    case 'delivered': return { kind: 'status', messageId, status: 'delivered' }
    case 'read': return { kind: 'status', messageId, status: 'read' }
    case 'failed': return { kind: 'status', messageId, status: 'failed', error: failureText(status.errors) }
    // `sent` is what the outbox recorded already.
    default: return { kind: 'ignored', reason: `status ${str(status.status, 30) ?? '(none)'}` }
  }
}

/**
 * One `entry[].changes[]` item of a `whatsapp_business_account` webhook → the phone number it is
 * for (`metadata.phone_number_id`) and its events: messages, then statuses. Never throws.
 */
export function mapWhatsAppChange (change: unknown): { phoneNumberId: string | null, events: MetaEvent[] } {
  if (!isObject(change)) return { phoneNumberId: null, events: [{ kind: 'ignored', reason: 'change is not an object' }] }
  const value = isObject(change.value) ? change.value : null
  if (change.field !== 'messages' || value === null) return { phoneNumberId: null, events: [{ kind: 'ignored', reason: `change field ${str(change.field, 50) ?? '(none)'} not handled` }] }
  const phoneNumberId = isObject(value.metadata) ? id(value.metadata.phone_number_id) : null
  const names = new Map<string, string>()
  for (const contact of Array.isArray(value.contacts) ? value.contacts.slice(0, 100) : []) {
    if (!isObject(contact)) continue
    const waId = id(contact.wa_id)
    const name = isObject(contact.profile) ? str(contact.profile.name, 255) : null
    if (waId !== null && name !== null) names.set(waId, name)
  }
  const events: MetaEvent[] = []
  for (const message of Array.isArray(value.messages) ? value.messages.slice(0, 1000) : []) events.push(mapMessage(message, names))
  for (const status of Array.isArray(value.statuses) ? value.statuses.slice(0, 1000) : []) events.push(mapStatus(status))
  if (events.length === 0) events.push({ kind: 'ignored', reason: 'a messages change with neither messages nor statuses' })
  return { phoneNumberId, events }
}
