import { DeliveryError, type Attachment, type ChannelConnectionRecord, type OutboundDelivery, type PluginContext, type SendResult } from '@openline/sdk'
import { callApi, Multipart, TelegramApiError, type ApiTarget } from './api.ts'
import { cleanText, intId, isObject } from './clean.ts'
import { apiBase } from './settings.ts'

const maxMessage = 4096
const maxCaption = 1024

type Connection = ChannelConnectionRecord & { secrets: Record<string, unknown> }

export function targetOf (connection: Pick<Connection, 'settings' | 'secrets'>): ApiTarget {
  const token = connection.secrets.token
  if (typeof token !== 'string' || token === '') throw new DeliveryError('Telegram connection has no bot token', { retryable: false })
  return { base: apiBase(connection.settings), token }
}

/** Numeric chat ids go as numbers; `@channelusername` stays a string. */
function chatIdParam (chatId: string): number | string {
  return /^-?\d{1,16}$/.test(chatId) ? Number(chatId) : chatId
}

/** How a failed Bot API call steers the delivery worker. */
export function classify (err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err
  if (!(err instanceof TelegramApiError)) return new DeliveryError(`Telegram: ${(err as Error)?.message ?? String(err)}`, { retryable: true, cause: err })
  const code = err.errorCode ?? err.status
  if (code === 429) {
    return new DeliveryError(err.message, { retryable: true, retryAfterMs: Math.max(1, err.retryAfterSec ?? 1) * 1000, cause: err })
  }
  // 403: blocked by the user, kicked from the group, user deactivated: this recipient is gone.
  if (code === 403) return new DeliveryError(err.message, { retryable: false, undeliverable: true, cause: err })
  if (err.status === 0 || code >= 500) return new DeliveryError(err.message, { retryable: true, cause: err })
  return new DeliveryError(err.message, { retryable: false, cause: err })
}

/** Split at line breaks (or spaces) near the limit, never inside a surrogate pair. */
export function splitText (text: string, max = maxMessage): string[] {
  const parts: string[] = []
  let rest = text
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max)
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max)
    if (cut < max / 2) cut = max
    const code = rest.charCodeAt(cut - 1)
    if (code >= 0xd800 && code <= 0xdbff) cut--
    parts.push(rest.slice(0, cut))
    rest = rest.slice(cut).replace(/^[\n ]/, '')
  }
  if (rest !== '') parts.push(rest)
  return parts
}

interface Button { text: string, callback_data?: string, url?: string }

/**
 * Inline buttons from `meta.buttons`: a list of `{ text, data? , url? }` (one row) or a list of such
 * lists (rows). `data` comes back as a callback query with `meta.callbackData` (at most 64 bytes).
 */
export function inlineKeyboard (meta: Record<string, unknown>): { inline_keyboard: Button[][] } | undefined {
  const given = meta.buttons
  if (!Array.isArray(given) || given.length === 0) return undefined
  const rows = (given.every(Array.isArray) ? given : [given]) as unknown[][]
  const keyboard: Button[][] = []
  for (const row of rows) {
    const out: Button[] = []
    for (const b of row) {
      if (!isObject(b)) continue
      const text = cleanText(b.text, 256)
      if (text === undefined) continue
      const data = typeof b.data === 'string' && Buffer.byteLength(b.data) <= 64 ? b.data : undefined
      const url = typeof b.url === 'string' && /^https?:\/\//.test(b.url) ? b.url : undefined
      if (data === undefined && url === undefined) continue
      out.push(url !== undefined ? { text, url } : { text, callback_data: data })
    }
    if (out.length > 0) keyboard.push(out)
  }
  return keyboard.length > 0 ? { inline_keyboard: keyboard } : undefined
}

interface Part { method: string, params: Record<string, unknown>, file?: { field: string, attachment: Attachment } }

function fileMethod (attachment: Attachment): { method: string, field: string } {
  if (attachment.kind === 'image') return { method: 'sendPhoto', field: 'photo' }
  if (attachment.kind === 'sticker') return { method: 'sendSticker', field: 'sticker' }
  return { method: 'sendDocument', field: 'document' }
}

async function toRequest (part: Part, ctx: PluginContext): Promise<Record<string, unknown> | Multipart> {
  if (part.file === undefined) return part.params
  const { field, attachment } = part.file
  if (attachment.providerFileId !== undefined && attachment.providerFileId !== '') {
    // A file_id this bot received: Telegram resends it without an upload.
    return { ...part.params, [field]: attachment.providerFileId }
  }
  if (attachment.storageKey === undefined) {
    throw new DeliveryError('Telegram: this attachment has neither a Telegram file id nor stored bytes', { retryable: false })
  }
  let bytes: Buffer
  try {
    bytes = await ctx.files.read(attachment.storageKey)
  } catch (err) {
    // A stored file that is gone will not come back: fail now instead of retrying.
    throw new DeliveryError(`Telegram: the stored file ${attachment.storageKey} is missing`, { retryable: false, cause: err })
  }
  return new Multipart(part.params, { field, name: attachment.name ?? 'file', type: attachment.mimeType ?? 'application/octet-stream', bytes })
}

/** Map a delivery to Bot API calls: text (split at 4096), each attachment (caption when it fits). */
export function plan (delivery: OutboundDelivery): Part[] {
  const chatId = chatIdParam(delivery.externalChatId ?? delivery.externalUserId)
  const name = cleanText(delivery.senderName, 128)?.trim()
  // B6: the agent's name in bold on its own line; entities are counted in UTF-16 units, like JS strings.
  const heading = name !== undefined && name !== '' ? `${name}:\n` : ''
  const text = heading + delivery.body
  const entities = heading !== '' ? [{ type: 'bold', offset: 0, length: name?.length ?? 0 }] : undefined
  const quoted = /^(-?\d+):(\d+)/.exec(delivery.quoteExternalId ?? '')
  const reply = quoted !== null && String(quoted[1]) === String(chatId) ? { reply_parameters: { message_id: Number(quoted[2]), allow_sending_without_reply: true } } : {}
  const parts: Part[] = []
  const attachments = delivery.attachments ?? []
  const onlyHeading = delivery.body.trim() === ''
  if (attachments.length === 1 && text.length <= maxCaption) {
    const { method, field } = fileMethod(attachments[0])
    const caption = onlyHeading || method === 'sendSticker' ? {} : { caption: text, ...(entities !== undefined ? { caption_entities: entities } : {}) }
    if (method === 'sendSticker' && !onlyHeading) parts.push({ method: 'sendMessage', params: { chat_id: chatId, text, ...(entities !== undefined ? { entities } : {}) } })
    parts.push({ method, params: { chat_id: chatId, ...caption }, file: { field, attachment: attachments[0] } })
  } else {
    if (!onlyHeading || attachments.length === 0) {
      splitText(text).forEach((chunk, i) => parts.push({ method: 'sendMessage', params: { chat_id: chatId, text: chunk, ...(i === 0 && entities !== undefined ? { entities } : {}) } }))
    }
    for (const attachment of attachments) {
      const { method, field } = fileMethod(attachment)
      parts.push({ method, params: { chat_id: chatId }, file: { field, attachment } })
    }
  }
  if (parts.length > 0) Object.assign(parts[0].params, reply)
  const keyboard = inlineKeyboard(delivery.meta ?? {})
  if (keyboard !== undefined && parts.length > 0) parts[parts.length - 1].params.reply_markup = keyboard
  return parts
}

/** `connector.send`: the external id is `<chat id>:<message_id>` of the first message sent. */
export async function send (delivery: OutboundDelivery, ctx: PluginContext): Promise<SendResult> {
  const target = targetOf(delivery.connection)
  const parts = plan(delivery)
  if (parts.length === 0) throw new DeliveryError('Telegram: nothing to send', { retryable: false })
  let first: string | undefined
  for (const part of parts) {
    let result: unknown
    try {
      result = await callApi(target, part.method, await toRequest(part, ctx))
    } catch (err) {
      throw classify(err)
    }
    if (first === undefined && isObject(result)) {
      const chat = intId(isObject(result.chat) ? result.chat.id : undefined)
      const id = intId(result.message_id)
      if (chat !== undefined && id !== undefined) first = `${chat}:${id}`
    }
  }
  return { externalMessageId: first }
}

/** Show "typing…" to the client (E10, agent side): lasts 5 s or until the next message. */
export async function sendTyping (connection: Pick<Connection, 'settings' | 'secrets'>, chatId: string): Promise<void> {
  await callApi(targetOf(connection), 'sendChatAction', { chat_id: chatIdParam(chatId), action: 'typing' }, { timeoutMs: 5000 })
}

/** Stop the button's spinner in the client's app. */
export async function answerCallback (target: ApiTarget, callbackQueryId: string): Promise<void> {
  await callApi(target, 'answerCallbackQuery', { callback_query_id: callbackQueryId }, { timeoutMs: 5000 })
}
