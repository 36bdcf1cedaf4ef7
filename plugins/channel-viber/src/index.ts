import { definePlugin, OpenlineError, errorCodes, type ChannelConnector } from '@openline/sdk'
import { callViber } from './api.ts'
import { eventTypes, readSettings, viberSettingsSchema } from './settings.ts'
import { sendToViber } from './send.ts'
import { pendingTokens, registerWebhook } from './webhook.ts'

export { viberSettingsSchema, defaultApiBaseUrl } from './settings.ts'
export { signature } from './webhook.ts'
export { parseViberJson, toDeliveryError, viberStatus } from './api.ts'
export { mapCallback } from './inbound.ts'
export { buildMessages, maxPayloadBytes } from './send.ts'

export const viberConnectorId = 'viber'
export const viberPluginName = 'channel-viber'

export const viberConnector: ChannelConnector<typeof viberSettingsSchema> = {
  id: viberConnectorId,
  title: 'Viber',
  settingsSchema: viberSettingsSchema,
  secretFields: ['authToken'],
  // Viber bots cannot show typing, edit or delete sent messages; keyboards (buttons) are not mapped yet.
  capabilities: { typing: false, edits: false, deletes: false, attachments: true, buttons: false },

  async connect ({ settings, webhookUrl, connectionId }, ctx) {
    if (settings.welcomeText !== undefined) {
      const problem = ctx.templates.check(settings.welcomeText, '/settings/welcomeText')
      if (problem !== null) throw new OpenlineError(errorCodes.validation, `welcomeText: ${problem.message}`, { fields: [problem] })
    }
    const { apiBaseUrl, authToken } = readSettings(settings)
    // The token names the bot: its id is the connection's account id.
    const info = await callViber(apiBaseUrl, authToken, 'get_account_info', {})
    if (typeof info.id !== 'string' || info.id.length < 1 || info.id.length > 255) throw new Error('Viber get_account_info named no account id')
    pendingTokens.set(connectionId, authToken)
    try {
      await callViber(apiBaseUrl, authToken, 'set_webhook', { url: webhookUrl, event_types: eventTypes, send_name: settings.sendName, send_photo: settings.sendPhoto })
    } finally {
      pendingTokens.delete(connectionId)
    }
    const filled: { botName?: string, botAvatarUrl?: string } = {}
    if (settings.botName === undefined) filled.botName = typeof info.name === 'string' && info.name.trim() !== '' ? info.name.trim().slice(0, 28) : 'Support'
    if (settings.botAvatarUrl === undefined && typeof info.icon === 'string' && /^https:\/\/\S+$/.test(info.icon) && info.icon.length <= 1000) filled.botAvatarUrl = info.icon
    return { externalAccountId: info.id, settings: filled }
  },

  async disconnect ({ settings }) {
    const { apiBaseUrl, authToken } = readSettings(settings)
    // An empty URL removes the webhook.
    await callViber(apiBaseUrl, authToken, 'set_webhook', { url: '' })
  },

  send: (delivery) => sendToViber(delivery)
}

/** Viber bots (REST bot API): webhook at `/plugins/channel-viber/webhook/<connectionId>`. */
export const viberPlugin = definePlugin({
  name: viberPluginName,
  version: '0.1.0',
  core: '>=0.1.0',
  provides: { channels: [viberConnector] },
  routes (app, ctx) {
    registerWebhook(app, ctx, viberConnectorId)
  }
})

export default viberPlugin
