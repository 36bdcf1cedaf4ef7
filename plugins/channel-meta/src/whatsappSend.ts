import { DeliveryError, type Attachment, type OutboundDelivery, type PluginContext, type SendResult } from '@openline/sdk'
import { callGraph } from './graph.ts'
import { responseWindowMs, splitText } from './send.ts'
import { isObject } from './values.ts'
import { outsideWindowExplanation, toWhatsAppDeliveryError } from './whatsappErrors.ts'
import { uploadWhatsAppMedia, whatsappMediaType } from './whatsappMedia.ts'
import { readWhatsAppSettings, whatsappTarget, type WhatsAppSettings, type WhatsAppTemplate } from './whatsappSettings.ts'

export const maxWhatsAppText = 4096
const maxCaption = 1024
const maxButtonBody = 1024
const maxReplyButtons = 3
const maxButtonTitle = 20
const maxListRows = 10
const maxRowTitle = 24
const maxTemplateParameter = 1024

/** One message of a delivery, before media are uploaded. */
export type WhatsAppPart =
  | { type: 'text', body: string }
  | { type: 'media', attachment: Attachment, caption?: string }
  | { type: 'interactive', interactive: Record<string, unknown> }

interface ReplyButton { id: string, title: string }

/** `meta.buttons` (a row or rows of `{ text, data?, url? }`): reply buttons (with data) and links (with url). */
export function readButtons (meta: Record<string, unknown>): { reply: ReplyButton[], links: { text: string, url: string }[] } {
  const given = Array.isArray(meta.buttons) ? meta.buttons : []
  const flat = given.flatMap(b => Array.isArray(b) ? b : [b]).filter(isObject).slice(0, 50)
  const reply: ReplyButton[] = []
  const links: { text: string, url: string }[] = []
  for (const b of flat) {
    const title = typeof b.text === 'string' ? b.text.trim() : ''
    if (title === '') continue
    if (typeof b.data === 'string' && b.data !== '' && b.data.length <= 256) {
      if (!reply.some(r => r.id === b.data)) reply.push({ id: b.data, title })
    } else if (typeof b.url === 'string' && /^https?:\/\/\S+$/.test(b.url)) {
      links.push({ text: title, url: b.url })
    }
  }
  return { reply, links }
}

/**
 * Reply buttons as WhatsApp can show them: up to 3 buttons (titles ≤ 20) under a body ≤ 1024, else
 * a list (up to 10 rows, titles ≤ 24) under a body ≤ 4096; null when neither fits.
 */
export function interactiveFor (body: string, buttons: ReplyButton[], listLabel = 'Options'): Record<string, unknown> | null {
  if (buttons.length === 0) return null
  if (buttons.length <= maxReplyButtons && buttons.every(b => b.title.length <= maxButtonTitle) && body.length <= maxButtonBody) {
    return { type: 'button', body: { text: body }, action: { buttons: buttons.map(b => ({ type: 'reply', reply: { id: b.id, title: b.title } })) } }
  }
  if (buttons.length <= maxListRows && buttons.every(b => b.title.length <= maxRowTitle) && body.length <= maxWhatsAppText) {
    return { type: 'list', body: { text: body }, action: { button: listLabel.slice(0, 20), sections: [{ title: listLabel.slice(0, 24), rows: buttons.map(b => ({ id: b.id.slice(0, 200), title: b.title })) }] } }
  }
  return null
}

/** The agent's name in WhatsApp's bold, on its own line; markup characters in the name would break it. */
function heading (senderName: string | null): string {
  const name = (senderName ?? '').replace(/[*_~`]/g, '').trim()
  return name === '' ? '' : `*${name}*:\n`
}

const captionable = (kind: Attachment['kind']): boolean => kind === 'image' || kind === 'video' || kind === 'file'

/**
 * A delivery as WhatsApp messages, in order: attachments (the text as caption when there is one
 * attachment that takes a caption and the text fits), then the text split at 4096 — its last part
 * carrying the buttons when there are any.
 */
export function planWhatsApp (delivery: Pick<OutboundDelivery, 'body' | 'attachments' | 'senderName' | 'meta'>): WhatsAppPart[] {
  const buttons = readButtons(delivery.meta ?? {})
  let text = delivery.body.trim() === '' ? '' : heading(delivery.senderName) + delivery.body
  for (const link of buttons.links) text = `${text}${text === '' ? '' : '\n'}${link.text}: ${link.url}`
  const parts: WhatsAppPart[] = []
  const attachments = delivery.attachments ?? []
  if (attachments.length === 1 && buttons.reply.length === 0 && text !== '' && text.length <= maxCaption && captionable(attachments[0].kind)) {
    return [{ type: 'media', attachment: attachments[0], caption: text }]
  }
  for (const attachment of attachments) parts.push({ type: 'media', attachment })
  if (buttons.reply.length > 0) {
    const chunks = splitText(text === '' ? '👇' : text, maxWhatsAppText)
    const label = typeof delivery.meta?.listLabel === 'string' && delivery.meta.listLabel.trim() !== '' ? delivery.meta.listLabel.trim() : undefined
    const interactive = interactiveFor(chunks[chunks.length - 1], buttons.reply, label)
    if (interactive !== null) {
      for (const chunk of chunks.slice(0, -1)) parts.push({ type: 'text', body: chunk })
      parts.push({ type: 'interactive', interactive })
      return parts
    }
    // Too many or too long for WhatsApp's buttons: the choices as text (the client answers in words).
    text = `${text}${text === '' ? '' : '\n\n'}${buttons.reply.map((b, i) => `${i + 1}. ${b.title}`).join('\n')}`
  }
  for (const chunk of splitText(text, maxWhatsAppText)) parts.push({ type: 'text', body: chunk })
  if (parts.length === 0) throw new DeliveryError('Nothing to send', { retryable: false })
  return parts
}

/** Template parameters may hold no line breaks, tabs or more than four spaces in a row (error 132018). */
export function templateParameterText (value: string): string {
  const flat = value.replace(/[\r\n\t]+/g, ' ').replace(/ {4,}/g, '   ').trim()
  const cut = flat.length > maxTemplateParameter ? `${flat.slice(0, maxTemplateParameter - 1).toWellFormed()}…` : flat
  return cut === '' ? '-' : cut
}

/** The `template` object of a template message for this delivery. */
export function templateMessage (template: WhatsAppTemplate, delivery: Pick<OutboundDelivery, 'body' | 'senderName'>): Record<string, unknown> {
  const values = template.bodyParameters.map(source => source === 'message' ? delivery.body : (delivery.senderName ?? '').trim() || 'Support')
  return {
    name: template.name,
    language: { code: template.language },
    ...(values.length > 0 ? { components: [{ type: 'body', parameters: values.map(text => ({ type: 'text', text: templateParameterText(text) })) }] } : {})
  }
}

/** True when the client's last message is older than the 24-hour customer-service window. */
export function outsideWindow (lastClientMessageAt: Date | null, now = Date.now()): boolean {
  // Unknown (no client message recorded): send as usual and let WhatsApp judge.
  return lastClientMessageAt !== null && now - lastClientMessageAt.getTime() > responseWindowMs
}

async function mediaObject (part: Extract<WhatsAppPart, { type: 'media' }>, settings: WhatsAppSettings, ctx: PluginContext): Promise<Record<string, unknown>> {
  const { attachment } = part
  const type = whatsappMediaType(attachment.kind)
  let ref: Record<string, string>
  if (attachment.storageKey !== undefined) {
    let bytes: Buffer
    try {
      bytes = await ctx.files.read(attachment.storageKey)
    } catch (err) {
      // A stored file that is gone will not come back: fail now instead of retrying.
      throw new DeliveryError(`WhatsApp: the stored file ${attachment.storageKey} is missing`, { retryable: false, cause: err })
    }
    ref = { id: await uploadWhatsAppMedia(settings, attachment, bytes) }
  } else if (attachment.providerFileId !== undefined && /^https?:\/\/\S+$/.test(attachment.providerFileId)) {
    ref = { link: attachment.providerFileId }
  } else if (attachment.providerFileId !== undefined && /^[0-9A-Za-z_-]{1,128}$/.test(attachment.providerFileId)) {
    ref = { id: attachment.providerFileId }
  } else {
    throw new DeliveryError('WhatsApp: this attachment has neither stored bytes, a link nor a WhatsApp media id', { retryable: false })
  }
  const object: Record<string, unknown> = { ...ref }
  if (part.caption !== undefined) object.caption = part.caption
  if (type === 'document' && attachment.name !== undefined) object.filename = attachment.name
  return { type, [type]: object }
}

async function payloadOf (part: WhatsAppPart, settings: WhatsAppSettings, ctx: PluginContext): Promise<Record<string, unknown>> {
  switch (part.type) {
    case 'text': return { type: 'text', text: { body: part.body, preview_url: /https?:\/\//.test(part.body) } }
    case 'interactive': return { type: 'interactive', interactive: part.interactive }
    case 'media': return mediaObject(part, settings, ctx)
  }
}

function wamidOf (answer: Record<string, unknown>): string | undefined {
  const first = Array.isArray(answer.messages) && isObject(answer.messages[0]) ? answer.messages[0] : null
  return typeof first?.id === 'string' ? first.id : undefined
}

/**
 * Deliver one outbox message through the Cloud API (`POST /{phone-number-id}/messages`). Inside the
 * 24-hour window: the planned messages; outside it: the configured template, or a permanent failure.
 * The first message's wamid names the message (statuses and quotes find it).
 */
export async function sendToWhatsApp (delivery: OutboundDelivery, ctx: PluginContext): Promise<SendResult> {
  const settings = readWhatsAppSettings(delivery.connection.settings, delivery.connection.secrets)
  const conversation = await ctx.conversations.get(delivery.conversationId)
  const closed = outsideWindow(conversation?.lastClientMessageAt ?? null)
  if (closed && settings.template === null) {
    throw new DeliveryError(`WhatsApp: ${outsideWindowExplanation}`, { retryable: false })
  }
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: delivery.externalUserId }
  const parts: (WhatsAppPart | { type: 'template' })[] = closed ? [{ type: 'template' }] : planWhatsApp(delivery)
  let first: string | undefined
  for (const [i, part] of parts.entries()) {
    try {
      const content = part.type === 'template' ? { type: 'template', template: templateMessage(settings.template as WhatsAppTemplate, delivery) } : await payloadOf(part, settings, ctx)
      const context = i === 0 && delivery.quoteExternalId !== null && delivery.quoteExternalId !== '' ? { context: { message_id: delivery.quoteExternalId } } : {}
      const answer = await callGraph(whatsappTarget(settings), 'POST', `${settings.phoneNumberId}/messages`, { body: { ...base, ...context, ...content } })
      first ??= wamidOf(answer)
    } catch (err) {
      throw toWhatsAppDeliveryError(err, delivery.attempt)
    }
  }
  return { externalMessageId: first }
}

/**
 * "Typing…" for the client: WhatsApp shows it (for up to 25 s, or until our reply) when we mark the
 * client's latest message read with a typing indicator — so the client also sees it read.
 */
export async function whatsappTyping (settings: WhatsAppSettings, latestClientMessageId: string): Promise<void> {
  await callGraph(whatsappTarget(settings), 'POST', `${settings.phoneNumberId}/messages`, {
    body: { messaging_product: 'whatsapp', status: 'read', message_id: latestClientMessageId, typing_indicator: { type: 'text' } },
    timeoutMs: 5000
  })
}
