import { DeliveryError, type OutboundDelivery, type PluginContext } from '@openline/sdk'
import { callApi, TelegramApiError, type ApiTarget } from './api.ts'
import { classify, inlineKeyboard, plan, targetOf } from './outbound.ts'

const maxMessage = 4096
const maxCaption = 1024

type Edit = OutboundDelivery & { externalMessageId: string }

/** `<chat id>:<message_id>` as `send` returns it; the suffix of an inbound edit (`:e…`) never names a bot message. */
export function parseExternalId (externalMessageId: string): { chatId: number | string, messageId: number } {
  const match = /^(-?\d{1,16}):(\d{1,12})$/.exec(externalMessageId)
  if (match === null) throw new DeliveryError(`Telegram: "${externalMessageId.slice(0, 80)}" is not the id of a message the bot sent`, { retryable: false })
  return { chatId: Number(match[1]), messageId: Number(match[2]) }
}

const said = (err: unknown, text: string): boolean => err instanceof TelegramApiError && err.description.toLowerCase().includes(text)

/**
 * What replaces the sent message: the first part `plan` makes of the edited delivery (that is the
 * part whose id `send` returned), as text or as a caption. Later parts (attachments, split text)
 * have no id we kept: they stay as they were.
 */
function replacement (delivery: Edit): { kind: 'text' | 'caption', text: string, entities: unknown, keyboard: unknown } {
  const parts = plan({ ...delivery, quoteExternalId: null })
  const first = parts[0]
  if (first === undefined) throw new DeliveryError('Telegram: the edited message is empty', { retryable: false })
  const keyboard = parts.length === 1 ? inlineKeyboard(delivery.meta ?? {}) : undefined
  if (first.method === 'sendMessage') {
    const texts = parts.filter(p => p.method === 'sendMessage')
    if (texts.length > 1) throw new DeliveryError(`Telegram: an edited text must fit one message (${maxMessage} characters); send the rest as a new message`, { retryable: false })
    return { kind: 'text', text: String(first.params.text), entities: first.params.entities, keyboard }
  }
  if (first.method === 'sendSticker') throw new DeliveryError('Telegram: a sticker has no text to edit', { retryable: false })
  return { kind: 'caption', text: typeof first.params.caption === 'string' ? first.params.caption : '', entities: first.params.caption_entities, keyboard }
}

function textParams (target: { chatId: number | string, messageId: number }, text: string, entities: unknown, keyboard: unknown): Record<string, unknown> {
  if (text.length > maxMessage) throw new DeliveryError(`Telegram: an edited text must fit one message (${maxMessage} characters)`, { retryable: false })
  return { chat_id: target.chatId, message_id: target.messageId, text, ...(entities !== undefined ? { entities } : {}), ...(keyboard !== undefined ? { reply_markup: keyboard } : {}) }
}

function captionParams (target: { chatId: number | string, messageId: number }, text: string, entities: unknown, keyboard: unknown): Record<string, unknown> {
  if (text.length > maxCaption) throw new DeliveryError(`Telegram: a caption must fit ${maxCaption} characters; this edit is longer`, { retryable: false })
  return { chat_id: target.chatId, message_id: target.messageId, caption: text, ...(entities !== undefined ? { caption_entities: entities } : {}), ...(keyboard !== undefined ? { reply_markup: keyboard } : {}) }
}

async function call (target: ApiTarget, method: string, params: Record<string, unknown>): Promise<void> {
  await callApi(target, method, params)
}

/**
 * `connector.edit`: `editMessageText`, or `editMessageCaption` for a message sent as a file with
 * its caption. Which one the message is follows from the edited delivery; when the text's length
 * moved it across the caption limit, Telegram's "there is no text/caption" answer picks the other.
 */
export async function editMessage (delivery: Edit, _ctx?: PluginContext): Promise<void> {
  const target = targetOf(delivery.connection)
  const at = parseExternalId(delivery.externalMessageId)
  const next = replacement(delivery)
  const asText = (): Record<string, unknown> => textParams(at, next.text, next.entities, next.keyboard)
  const asCaption = (): Record<string, unknown> => captionParams(at, next.text, next.entities, next.keyboard)
  try {
    try {
      if (next.kind === 'text') await call(target, 'editMessageText', asText())
      else await call(target, 'editMessageCaption', asCaption())
    } catch (err) {
      if (next.kind === 'text' && said(err, 'there is no text in the message to edit')) await call(target, 'editMessageCaption', asCaption())
      else if (next.kind === 'caption' && said(err, 'there is no caption in the message to edit')) await call(target, 'editMessageText', asText())
      else throw err
    }
  } catch (err) {
    // The client already sees this text (a retry after a lost answer, or an edit that changed nothing).
    if (said(err, 'message is not modified')) return
    if (said(err, 'message to edit not found')) throw new DeliveryError('Telegram: the message to edit is gone from the chat (deleted, or the chat was cleared)', { retryable: false, cause: err })
    if (said(err, "message can't be edited")) throw new DeliveryError("Telegram: this message can't be edited any more", { retryable: false, cause: err })
    throw classify(err)
  }
}

/** `connector.remove`: `deleteMessage`. Bots may delete their own messages for everyone within 48 hours. */
export async function removeMessage (delivery: Edit, _ctx?: PluginContext): Promise<void> {
  const target = targetOf(delivery.connection)
  const at = parseExternalId(delivery.externalMessageId)
  try {
    await call(target, 'deleteMessage', { chat_id: at.chatId, message_id: at.messageId })
  } catch (err) {
    if (said(err, 'message to delete not found')) throw new DeliveryError('Telegram: the message to delete is already gone from the chat', { retryable: false, cause: err })
    if (said(err, "message can't be deleted")) {
      throw new DeliveryError("Telegram: this message can't be deleted any more (bots may delete their messages only within 48 hours of sending)", { retryable: false, cause: err })
    }
    throw classify(err)
  }
}
