import { DeliveryError, type Attachment, type OutboundDelivery, type PluginContext, type SendResult } from '@openline/sdk'
import { callGraph, toDeliveryError } from './graph.ts'
import { pageTarget, readSettings } from './settings.ts'

export const maxTextLength = 2000
const hour = 3_600_000
/** Standard messaging window: any message within 24 hours of the client's last message. */
export const responseWindowMs = 24 * hour
/** The HUMAN_AGENT tag: a human agent may answer up to 7 days after the client's last message. */
export const humanAgentWindowMs = 7 * 24 * hour

export type WindowDecision = { messaging_type: 'RESPONSE' } | { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }

/** Which messaging type the client's last message allows now; throws a non-retryable DeliveryError past 7 days. */
export function messagingWindow (lastClientMessageAt: Date | null, now = Date.now()): WindowDecision {
  // Unknown (no client message recorded): send as a response and let Meta judge.
  if (lastClientMessageAt === null) return { messaging_type: 'RESPONSE' }
  const age = now - lastClientMessageAt.getTime()
  if (age <= responseWindowMs) return { messaging_type: 'RESPONSE' }
  if (age <= humanAgentWindowMs) return { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }
  throw new DeliveryError('The client last wrote more than 7 days ago: Meta allows no message until the client writes again', { retryable: false })
}

const isUrl = (v: string | null | undefined): v is string => typeof v === 'string' && /^https?:\/\/\S+$/.test(v) && v.length <= 2000

function attachmentType (kind: Attachment['kind']): 'image' | 'video' | 'audio' | 'file' {
  switch (kind) {
    case 'image':
    case 'sticker': return 'image'
    case 'video': return 'video'
    case 'audio': return 'audio'
    default: return 'file'
  }
}

/** Text cut into parts of at most `max` characters (the Send API's 2000 by default), on whitespace where possible. */
export function splitText (text: string, max = maxTextLength): string[] {
  const parts: string[] = []
  let rest = text
  while (rest.length > max) {
    let cut = rest.lastIndexOf(' ', max)
    if (cut < max / 2) cut = max
    // Never split a surrogate pair.
    if (/[\ud800-\udbff]/.test(rest[cut - 1] ?? '')) cut--
    parts.push(rest.slice(0, cut))
    rest = rest.slice(cut).replace(/^ /, '')
  }
  if (rest.trim() !== '') parts.push(rest)
  return parts
}

/** The `message` objects of one delivery, in order: attachments by URL, then the text (the agent's name first when shown). */
export function buildMessages (delivery: Pick<OutboundDelivery, 'body' | 'attachments' | 'senderName'>): Record<string, unknown>[] {
  const messages: Record<string, unknown>[] = []
  for (const attachment of delivery.attachments) {
    const url = attachment.providerFileId
    if (!isUrl(url)) throw new DeliveryError('Meta sends attachments only from a public URL, and this attachment has none (the core has no public file URLs yet)', { retryable: false })
    messages.push({ attachment: { type: attachmentType(attachment.kind), payload: { url, is_reusable: true } } })
  }
  const name = delivery.senderName?.trim() ?? ''
  const body = delivery.body.trim() === '' ? '' : (name !== '' ? `${name}: ${delivery.body}` : delivery.body)
  for (const part of splitText(body)) messages.push({ text: part })
  if (messages.length === 0) throw new DeliveryError('Nothing to send', { retryable: false })
  return messages
}

/**
 * Deliver one outbox message through the Send API: one call per attachment and text part. The Send
 * API takes no idempotency key, so a retry after a partial failure may repeat parts already sent.
 */
export async function sendToMeta (delivery: OutboundDelivery, ctx: PluginContext): Promise<SendResult> {
  const settings = readSettings(delivery.connection.settings, delivery.connection.secrets)
  const conversation = await ctx.conversations.get(delivery.conversationId)
  const window = messagingWindow(conversation?.lastClientMessageAt ?? null)
  const messages = buildMessages(delivery)
  let first: string | undefined
  for (const message of messages) {
    try {
      const answer = await callGraph(pageTarget(settings), 'POST', 'me/messages', { body: { recipient: { id: delivery.externalUserId }, ...window, message } })
      if (first === undefined && typeof answer.message_id === 'string') first = answer.message_id
    } catch (err) {
      throw toDeliveryError(err, delivery.attempt)
    }
  }
  return { externalMessageId: first }
}
