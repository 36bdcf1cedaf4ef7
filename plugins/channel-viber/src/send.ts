import { DeliveryError, type Attachment, type OutboundDelivery, type SendResult } from '@openline/sdk'
import { callViber, toDeliveryError } from './api.ts'
import { readSettings, type ViberSettings } from './settings.ts'

/** Viber refuses any send_message body over 30 KB. */
export const maxPayloadBytes = 30 * 1024
export const maxTextLength = 7000
export const maxCaptionLength = 768
export const maxSenderName = 28

export function payloadTooLarge (body: Record<string, unknown>): boolean {
  return Buffer.byteLength(JSON.stringify(body), 'utf8') > maxPayloadBytes
}

const isUrl = (v: string | null | undefined): v is string => typeof v === 'string' && /^https?:\/\/\S+$/.test(v) && v.length <= 2000

/** B6: the agent's name (and photo) when shown, the bot's when hidden; Viber requires a name. */
export function senderOf (delivery: Pick<OutboundDelivery, 'senderName' | 'senderAvatarUrl'>, settings: Pick<ViberSettings, 'botName' | 'botAvatarUrl'>): { name: string, avatar?: string } {
  const shown = delivery.senderName !== null && delivery.senderName.trim() !== ''
  const name = (shown ? (delivery.senderName as string).trim() : (settings.botName ?? 'Support')).slice(0, maxSenderName).toWellFormed()
  const avatar = shown ? delivery.senderAvatarUrl : settings.botAvatarUrl
  return isUrl(avatar) ? { name, avatar } : { name }
}

function media (attachment: Attachment): Record<string, unknown> {
  const url = attachment.providerFileId
  if (!isUrl(url)) {
    throw new DeliveryError('Viber sends media only from a public URL, and this attachment has none (the core has no public file URLs yet)', { retryable: false })
  }
  if (attachment.kind === 'image' || attachment.kind === 'sticker') return { type: 'picture', media: url, text: '' }
  if (attachment.size === undefined) throw new DeliveryError('Viber needs the size of a file or video', { retryable: false })
  if (attachment.kind === 'video' || attachment.kind === 'audio') return { type: 'video', media: url, size: attachment.size }
  const name = (attachment.name ?? url.split('/').pop() ?? 'file').slice(0, 255)
  return { type: 'file', media: url, size: attachment.size, file_name: name }
}

/** The send_message bodies of one delivery, in order: attachments (the first picture carries a short text as caption), then the text. */
export function buildMessages (delivery: OutboundDelivery, settings: ViberSettings): Record<string, unknown>[] {
  const base = { receiver: delivery.externalUserId, min_api_version: 1, sender: senderOf(delivery, settings) }
  let text = delivery.body
  const bodies: Record<string, unknown>[] = []
  for (const attachment of delivery.attachments) {
    const m = media(attachment)
    if (m.type === 'picture' && text.trim() !== '' && text.length <= maxCaptionLength && bodies.length === 0) {
      m.text = text
      text = ''
    }
    bodies.push({ ...base, ...m })
  }
  if (text.trim() !== '') {
    if (text.length > maxTextLength) throw new DeliveryError(`Viber texts are limited to ${maxTextLength} characters (this one has ${text.length})`, { retryable: false })
    bodies.push({ ...base, type: 'text', text })
  }
  if (bodies.length === 0) throw new DeliveryError('Nothing to send', { retryable: false })
  for (const body of bodies) {
    // Checked before calling Viber: it would refuse the body anyway, every time.
    if (payloadTooLarge(body)) throw new DeliveryError(`The message is over Viber's ${maxPayloadBytes / 1024} KB payload limit`, { retryable: false })
  }
  return bodies
}

/**
 * Deliver one outbox message: one send_message per attachment and one for the text. Viber takes
 * no idempotency key, so a retry after a partial failure may repeat the parts already sent.
 */
export async function sendToViber (delivery: OutboundDelivery): Promise<SendResult> {
  const settings = readSettings(delivery.connection.settings, delivery.connection.secrets)
  const bodies = buildMessages(delivery, settings)
  let first: string | undefined
  for (const body of bodies) {
    try {
      const answer = await callViber(settings.apiBaseUrl, settings.authToken, 'send_message', body)
      const token = answer.message_token
      if (first === undefined && (typeof token === 'string' || typeof token === 'number')) first = String(token)
    } catch (err) {
      throw toDeliveryError(err, delivery.attempt)
    }
  }
  return { externalMessageId: first }
}
