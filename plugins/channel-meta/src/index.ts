import { definePlugin, type ChannelConnector } from '@openline/sdk'
import { metaSecretFields, metaSettingsSchema, pageTarget, readSettings } from './settings.ts'
import { sendToMeta } from './send.ts'
import { registerWebhook } from './webhook.ts'
import { connectPage, pageFieldsOf, unsubscribePage } from './pageSubscriptions.ts'
import { whatsappConnector } from './whatsapp.ts'
import { commentsConnector } from './comments.ts'
import { migrations } from './migrations.ts'

export { metaSettingsSchema, defaultApiBaseUrl, defaultApiVersion, defaultMediaHosts } from './settings.ts'
export { whatsappSettingsSchema, defaultWhatsAppMediaHosts } from './whatsappSettings.ts'
export { commentsSettingsSchema } from './commentsSettings.ts'
export { signature, objectOfConnector } from './webhook.ts'
export { GraphApiError, toDeliveryError, rateLimitCodes } from './graph.ts'
export { toWhatsAppDeliveryError, whatsappRateLimitCodes } from './whatsappErrors.ts'
export { mapWebhook, mapMessagingEvent } from './inbound.ts'
export { mapWhatsAppChange } from './whatsappInbound.ts'
export { mapFeedChange, commentThreadUserId } from './commentsInbound.ts'
export { buildMessages, messagingWindow, splitText } from './send.ts'
export { planWhatsApp, interactiveFor, templateMessage, templateParameterText, outsideWindow } from './whatsappSend.ts'
export { whatsappConnector, commentsConnector, pageFieldsOf }

export const metaPluginName = 'channel-meta'
/** Fields the app is subscribed to on the page for Messenger and Instagram (comments add `feed`). */
export const subscribedFields = pageFieldsOf.messenger.join(',')

/**
 * Messenger and Instagram share the Graph API, the webhook route and the Send API; they differ in
 * the webhook `object` and their connector id. WhatsApp and page comments are connectors of their own
 * (`whatsapp.ts`, `comments.ts`) on the same webhook route.
 */
function metaConnector (id: 'messenger' | 'instagram', title: string): ChannelConnector<typeof metaSettingsSchema> {
  return {
    id,
    title,
    settingsSchema: metaSettingsSchema,
    secretFields: metaSecretFields,
    // Typing (sender_action) and buttons are not mapped yet; sent messages cannot be edited or deleted.
    capabilities: { typing: false, edits: false, deletes: false, attachments: true, buttons: false },

    connect: ({ settings, connectionId }, ctx) => connectPage(ctx, pageTarget(readSettings(settings)), id, { connectionId, verifyToken: settings.verifyToken }),

    async disconnect ({ settings, externalAccountId, connectionId }, ctx) {
      await unsubscribePage(ctx, pageTarget(readSettings(settings)), externalAccountId, connectionId)
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
  migrations,
  provides: { channels: [messengerConnector, instagramConnector, whatsappConnector, commentsConnector] },
  routes (app, ctx) {
    registerWebhook(app, ctx)
  }
})

export default metaPlugin
