import type { Attachment, InboundMessage } from '@openline/sdk'
import { cleanText, finiteNumber, intId, isObject, positiveInt, unixDate, type Obj } from './clean.ts'

/** A file named by an update; fetched later through getFile. */
export interface FileRef {
  kind: Attachment['kind']
  fileId: string
  name?: string
  mimeType?: string
  size?: number
}

/** An update as the webhook acts on it; `connector` and `externalAccountId` are added by the caller. */
export type MappedUpdate =
  | { kind: 'message', inbound: Omit<InboundMessage, 'connector' | 'externalAccountId' | 'attachments'>, files: FileRef[] }
  | { kind: 'callback', inbound: Omit<InboundMessage, 'connector' | 'externalAccountId' | 'attachments'>, callbackQueryId: string }
  | { kind: 'ignore', reason: string }
  | { kind: 'invalid', reason: string }

/** Update types asked for in setWebhook's `allowed_updates`. */
export const allowedUpdates = ['message', 'edited_message', 'callback_query']

const maxText = 65_536
const maxName = 255

// Message contents we cannot show yet: stored as a placeholder so the agent knows something came.
const placeholders: Record<string, string> = {
  poll: '[poll]', dice: '[dice]', game: '[game]', story: '[story]', invoice: '[invoice]', paid_media: '[paid media]', checklist: '[checklist]'
}

function fileRef (value: unknown, kind: FileRef['kind'], defaults: { name?: string, mimeType?: string } = {}): FileRef | undefined {
  if (!isObject(value)) return undefined
  const fileId = cleanText(value.file_id, 1024)
  if (fileId === undefined) return undefined
  return {
    kind,
    fileId,
    name: cleanText(value.file_name, maxName) ?? defaults.name,
    mimeType: cleanText(value.mime_type, 255) ?? defaults.mimeType,
    size: positiveInt(value.file_size)
  }
}

/** `photo` is a list of sizes of one picture: take the largest. */
function largestPhoto (value: unknown): FileRef | undefined {
  if (!Array.isArray(value)) return undefined
  let best: { ref: FileRef, score: number, unique: string | undefined } | undefined
  for (const size of value) {
    if (!isObject(size)) continue
    const ref = fileRef(size, 'image', { mimeType: 'image/jpeg' })
    if (ref === undefined) continue
    const score = positiveInt(size.file_size) ?? (positiveInt(size.width) ?? 0) * (positiveInt(size.height) ?? 0)
    if (best === undefined || score >= best.score) best = { ref, score, unique: cleanText(size.file_unique_id, 100) }
  }
  if (best === undefined) return undefined
  return { ...best.ref, name: `photo-${best.unique ?? 'telegram'}.jpg`.replace(/[^A-Za-z0-9_.-]/g, '_') }
}

function stickerRef (value: unknown): FileRef | undefined {
  if (!isObject(value)) return undefined
  const mimeType = value.is_animated === true ? 'application/x-tgsticker' : value.is_video === true ? 'video/webm' : 'image/webp'
  return fileRef(value, 'sticker', { mimeType })
}

function clientOf (from: Obj | undefined): InboundMessage['client'] {
  if (from === undefined) return undefined
  const name = cleanText([cleanText(from.first_name, maxName), cleanText(from.last_name, maxName)].filter(Boolean).join(' ').trim(), maxName)
  const client: NonNullable<InboundMessage['client']> = {}
  if (name !== undefined) client.name = name
  const username = cleanText(from.username, maxName)
  if (username !== undefined) client.username = username
  const locale = cleanText(from.language_code, 35)
  if (locale !== undefined) client.locale = locale
  return Object.keys(client).length > 0 ? client : undefined
}

/** `message` or `edited_message`: one client message (an edit is stored as a new message, see README). */
export function mapMessage (message: unknown, updateId: number, edited: boolean): MappedUpdate {
  if (!isObject(message)) return { kind: 'ignore', reason: 'message is not an object' }
  const chat = isObject(message.chat) ? message.chat : undefined
  const chatId = intId(chat?.id)
  const messageId = positiveInt(message.message_id)
  if (chatId === undefined || messageId === undefined) return { kind: 'ignore', reason: 'message without chat id or message id' }
  const from = isObject(message.from) ? message.from : undefined
  const senderId = intId(from?.id) ?? intId(isObject(message.sender_chat) ? message.sender_chat.id : undefined) ?? chatId

  const files: FileRef[] = []
  const photo = largestPhoto(message.photo)
  if (photo !== undefined) files.push(photo)
  const animation = fileRef(message.animation, 'video', { name: 'animation.mp4', mimeType: 'video/mp4' })
  if (animation !== undefined) files.push(animation)
  // An animation also comes as `document` (for old clients): keep one.
  const document = animation === undefined ? fileRef(message.document, 'file', { name: 'document' }) : undefined
  if (document !== undefined) files.push(document)
  for (const [key, kind, name, mimeType] of [
    ['voice', 'audio', 'voice.ogg', 'audio/ogg'], ['audio', 'audio', 'audio', undefined], ['video', 'video', 'video.mp4', 'video/mp4'], ['video_note', 'video', 'video-note.mp4', 'video/mp4']
  ] as const) {
    const ref = fileRef(message[key], kind, { name, mimeType })
    if (ref !== undefined) files.push(ref)
  }
  const sticker = stickerRef(message.sticker)
  if (sticker !== undefined) files.push(sticker)

  const meta: Obj = { updateId }
  const chatType = cleanText(chat?.type, 32)
  if (chatType !== undefined) meta.chatType = chatType
  let text = cleanText(message.text, maxText) ?? cleanText(message.caption, maxText)
  if (text === undefined && isObject(message.sticker)) text = cleanText(message.sticker.emoji, 32)
  if (isObject(message.location)) {
    const latitude = finiteNumber(message.location.latitude)
    const longitude = finiteNumber(message.location.longitude)
    if (latitude !== undefined && longitude !== undefined) {
      meta.location = { latitude, longitude }
      const venue = isObject(message.venue) ? cleanText(message.venue.title, maxName) : undefined
      text ??= `📍 ${venue !== undefined ? `${venue} ` : ''}${latitude}, ${longitude}`
    }
  }
  if (isObject(message.contact)) {
    const phone = cleanText(message.contact.phone_number, 64)
    const name = cleanText([cleanText(message.contact.first_name, maxName), cleanText(message.contact.last_name, maxName)].filter(Boolean).join(' '), maxName)
    if (phone !== undefined || name !== undefined) {
      meta.contact = { phone: phone ?? null, name: name ?? null, userId: intId(message.contact.user_id) ?? null }
      text ??= `👤 ${[name, phone].filter(Boolean).join(' ')}`
    }
  }
  if (text === undefined && files.length === 0) {
    const key = Object.keys(placeholders).find(k => message[k] !== undefined && message[k] !== null)
    if (key === undefined) return { kind: 'ignore', reason: 'message without supported content (service message?)' }
    text = placeholders[key]
  }
  const mediaGroupId = cleanText(message.media_group_id, 64)
  if (mediaGroupId !== undefined) meta.mediaGroupId = mediaGroupId

  const externalId = `${chatId}:${messageId}`
  let externalMessageId = externalId
  let sentAt = unixDate(message.date)
  let quoteExternalId: string | undefined
  const reply = isObject(message.reply_to_message) ? positiveInt(message.reply_to_message.message_id) : undefined
  if (reply !== undefined) quoteExternalId = `${chatId}:${reply}`
  if (edited) {
    // Each version is its own message, quoting the original; the same edit delivered again has the same id.
    const editDate = positiveInt(message.edit_date)
    externalMessageId = editDate !== undefined ? `${externalId}:e${editDate}` : `${externalId}:u${updateId}`
    sentAt = unixDate(message.edit_date) ?? sentAt
    meta.editOf = externalId
    quoteExternalId = externalId
  }
  return {
    kind: 'message',
    files,
    inbound: {
      externalUserId: String(senderId),
      externalChatId: String(chatId),
      externalMessageId,
      sentAt,
      text,
      quoteExternalId,
      client: clientOf(from),
      meta
    }
  }
}

/** The label of the inline button whose callback_data was pressed, from the message that carried it. */
function buttonLabel (message: Obj | undefined, data: string | undefined): string | undefined {
  if (data === undefined || message === undefined || !isObject(message.reply_markup)) return undefined
  const rows = message.reply_markup.inline_keyboard
  if (!Array.isArray(rows)) return undefined
  for (const row of rows) {
    if (!Array.isArray(row)) continue
    for (const button of row) {
      if (isObject(button) && button.callback_data === data) return cleanText(button.text, 1024)
    }
  }
  return undefined
}

/** A pressed inline button: a client message whose `meta.callbackData` plugins (ratings) read. */
export function mapCallback (query: unknown, updateId: number): MappedUpdate {
  if (!isObject(query)) return { kind: 'ignore', reason: 'callback_query is not an object' }
  const id = cleanText(query.id, 200)
  const from = isObject(query.from) ? query.from : undefined
  const userId = intId(from?.id)
  if (id === undefined || userId === undefined) return { kind: 'ignore', reason: 'callback_query without id or sender' }
  const message = isObject(query.message) ? query.message : undefined
  const chatId = intId(isObject(message?.chat) ? message.chat.id : undefined) ?? userId
  const messageId = positiveInt(message?.message_id)
  const data = cleanText(query.data, 256)
  const game = cleanText(query.game_short_name, 256)
  const meta: Obj = { updateId, callbackQueryId: id, callbackData: data ?? null }
  if (messageId !== undefined) meta.callbackMessageId = `${chatId}:${messageId}`
  if (game !== undefined) meta.gameShortName = game
  return {
    kind: 'callback',
    callbackQueryId: id,
    inbound: {
      externalUserId: String(userId),
      externalChatId: String(chatId),
      externalMessageId: `cb:${id}`,
      text: buttonLabel(message, data) ?? data ?? game ?? '[button]',
      quoteExternalId: messageId !== undefined ? `${chatId}:${messageId}` : undefined,
      client: clientOf(from),
      meta
    }
  }
}

/** Telegram's Update object → what to do with it. `invalid` is not an update at all (400). */
export function mapUpdate (update: unknown): MappedUpdate {
  if (!isObject(update)) return { kind: 'invalid', reason: 'an update is a JSON object' }
  const updateId = intId(update.update_id)
  if (updateId === undefined || updateId < 0) return { kind: 'invalid', reason: 'update_id must be a non-negative integer' }
  if (update.message !== undefined) return mapMessage(update.message, updateId, false)
  if (update.edited_message !== undefined) return mapMessage(update.edited_message, updateId, true)
  if (update.callback_query !== undefined) return mapCallback(update.callback_query, updateId)
  const type = Object.keys(update).find(k => k !== 'update_id') ?? 'none'
  return { kind: 'ignore', reason: `update type ${type.slice(0, 64)} is not handled` }
}
