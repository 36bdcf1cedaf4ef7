import { definePlugin, type ChannelConnector } from '@openline/sdk'
import { callGraph } from './graph.ts'
import { generateVerifyToken, metaSecretFields, metaSettingsSchema, readSettings } from './settings.ts'
import { sendToMeta } from './send.ts'
import { registerWebhook } from './webhook.ts'

export { metaSettingsSchema, defaultApiBaseUrl, defaultApiVersion, defaultMediaHosts } from './settings.ts'
export { signature, objectOfConnector } from './webhook.ts'
export { GraphApiError, toDeliveryError, rateLimitCodes } from './graph.ts'
export { mapWebhook, mapMessagingEvent } from './inbound.ts'
export { buildMessages, messagingWindow, splitText } from './send.ts'

export const metaPluginName = 'channel-meta'
/** Fields the app is subscribed to on the page. */
export const subscribedFields = 'messages,messaging_postbacks,message_deliveries,message_reads'

/**
 * Messenger and Instagram share the Graph API, the webhook route and the Send API; they differ in
 * the webhook `object` and their connector id. WhatsApp and page comments will be further connectors.
 */
function metaConnector (id: 'messenger' | 'instagram', title: string): ChannelConnector<typeof metaSettingsSchema> {
  return {
    id,
    title,
    settingsSchema: metaSettingsSchema,
    secretFields: metaSecretFields,
    // Typing (sender_action) and buttons are not mapped yet; sent messages cannot be edited or deleted.
    capabilities: { typing: false, edits: false, deletes: false, attachments: true, buttons: false },

    async connect ({ settings }) {
      const s = readSettings(settings)
      const me = await callGraph(s, 'GET', 'me', { query: { fields: 'id,name' } })
      const pageId = typeof me.id === 'string' && /^[0-9]{1,40}$/.test(me.id) ? me.id : null
      if (pageId === null) throw new Error('Graph API /me named no page id')
      await callGraph(s, 'POST', `${pageId}/subscribed_apps`, { query: { subscribed_fields: subscribedFields } })
      return { externalAccountId: pageId, settings: settings.verifyToken === undefined ? { verifyToken: generateVerifyToken() } : {} }
    },

    async disconnect ({ settings, externalAccountId }) {
      await callGraph(readSettings(settings), 'DELETE', `${externalAccountId}/subscribed_apps`)
    },

    send: (delivery, ctx) => sendToMeta(delivery, ctx)
  }
}

export const messengerConnector = metaConnector('messenger', 'Facebook Messenger')
export const instagramConnector = metaConnector('instagram', 'Instagram Messaging')

/** Meta (Graph API): webhook at `/plugins/channel-meta/webhook/<connectionId>` for every connector. */
export const metaPlugin = definePlugin({
  name: metaPluginName,
  version: '0.1.0',
  core: '>=0.1.0',
  provides: { channels: [messengerConnector, instagramConnector] },
  routes (app, ctx) {
    registerWebhook(app, ctx)
  }
})

export default metaPlugin
