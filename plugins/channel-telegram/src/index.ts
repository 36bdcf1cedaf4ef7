import { randomBytes } from 'node:crypto'
import { definePlugin, type ChannelConnector } from '@openline/sdk'
import { callApi, type ApiTarget } from './api.ts'
import { isObject, intId, cleanText } from './clean.ts'
import { allowedUpdates } from './inbound.ts'
import { send, sendTyping } from './outbound.ts'
import { editMessage, removeMessage } from './edits.ts'
import { apiBase, secretFields, settingsSchema } from './settings.ts'
import { connectorId, registerWebhook } from './webhook.ts'

export { settingsSchema, type TelegramSettings } from './settings.ts'
export { mapUpdate, type MappedUpdate } from './inbound.ts'
export { sendTyping, answerCallback, classify, plan, inlineKeyboard } from './outbound.ts'
export { fileUrl } from './files.ts'
export { editMessage, removeMessage, parseExternalId } from './edits.ts'
export { secretMatches } from './webhook.ts'

export const pluginName = 'channel-telegram'

export const telegramConnector: ChannelConnector<typeof settingsSchema> = {
  id: connectorId,
  title: 'Telegram',
  settingsSchema,
  secretFields,
  // Agents' edits and deletions reach the client (editMessageText/Caption, deleteMessage). Clients'
  // edits arrive as new messages quoting the original; their deletions are not sent to bots.
  capabilities: { typing: true, edits: true, deletes: true, attachments: true, buttons: true },

  async connect ({ settings, webhookUrl }) {
    const target: ApiTarget = { base: apiBase(settings), token: settings.token }
    const me = await callApi<unknown>(target, 'getMe', {})
    const botId = intId(isObject(me) ? me.id : undefined)
    if (botId === undefined) throw new Error('getMe did not return the bot id')
    // Kept across re-connects, so updates in flight during a re-connect still verify.
    const webhookSecret = settings.webhookSecret ?? randomBytes(32).toString('base64url')
    await callApi(target, 'setWebhook', { url: webhookUrl, secret_token: webhookSecret, allowed_updates: allowedUpdates })
    const botUsername = cleanText(isObject(me) ? me.username : undefined, 64)
    return { externalAccountId: String(botId), settings: { webhookSecret, ...(botUsername !== undefined ? { botUsername } : {}) } }
  },

  async disconnect ({ settings }) {
    await callApi({ base: apiBase(settings), token: settings.token }, 'deleteWebhook', { drop_pending_updates: false })
  },

  async typing ({ connection, externalUserId, externalChatId }) {
    await sendTyping(connection, externalChatId ?? externalUserId)
  },

  send,
  edit: editMessage,
  remove: removeMessage
}

/** Telegram Bot API connector (connector id `telegram`). */
export const telegramPlugin = definePlugin({
  name: pluginName,
  version: '0.1.0',
  core: '>=0.1.0',
  provides: { channels: [telegramConnector] },
  routes (app, ctx) {
    registerWebhook(app, ctx)
  }
})

export default telegramPlugin
