import type { ChannelConnector, PluginContext } from '@openline/sdk'
import { callGraph } from './graph.ts'
import { generateVerifyToken } from './settings.ts'
import { sendToWhatsApp, whatsappTyping } from './whatsappSend.ts'
import { readWhatsAppSettings, whatsappSecretFields, whatsappSettingsSchema, whatsappTarget } from './whatsappSettings.ts'
import { query } from './db.ts'

/** Other connected numbers of the same business account keep the app's subscription alive. */
async function otherNumbersOfAccount (ctx: PluginContext, businessAccountId: string, connectionId: string): Promise<number> {
  const rows = await query<{ n: number }>(ctx,
    "select count(*)::int as n from channel_connections where connector = 'whatsapp' and status = 'connected' and id <> ? and settings->>'businessAccountId' = ?",
    [connectionId, businessAccountId])
  return rows[0]?.n ?? 0
}

/** The client's latest message on this number (its wamid), which the typing indicator is attached to. */
async function latestClientMessage (ctx: PluginContext, connectionId: string, waId: string): Promise<string | null> {
  const rows = await query<{ external_id: string }>(ctx,
    `select m.external_id from messages m
       join conversations c on c.id = m.conversation_id
       join client_identities ci on ci.id = c.client_identity_id
      where ci.connection_id = ? and ci.external_user_id = ? and m.author_kind = 'client' and m.external_id is not null
      order by m.sent_at desc, m.id desc limit 1`, [connectionId, waId])
  return rows[0]?.external_id ?? null
}

/** WhatsApp Cloud API: one business phone number per connection (account id: the phone number id). */
export const whatsappConnector: ChannelConnector<typeof whatsappSettingsSchema> = {
  id: 'whatsapp',
  title: 'WhatsApp',
  settingsSchema: whatsappSettingsSchema,
  secretFields: whatsappSecretFields,
  // Sent WhatsApp messages can be neither edited nor deleted through the Cloud API.
  capabilities: { typing: true, edits: false, deletes: false, attachments: true, buttons: true },

  async connect ({ settings }) {
    const s = readWhatsAppSettings(settings)
    const target = whatsappTarget(s)
    const phone = await callGraph(target, 'GET', s.phoneNumberId, { query: { fields: 'id,display_phone_number,verified_name' } })
    if (phone.id !== s.phoneNumberId) throw new Error(`Graph API /${s.phoneNumberId} answered for another id`)
    // The app receives the business account's webhooks once subscribed to it.
    await callGraph(target, 'POST', `${s.businessAccountId}/subscribed_apps`)
    const display = typeof phone.display_phone_number === 'string' ? phone.display_phone_number.slice(0, 50) : undefined
    return {
      externalAccountId: s.phoneNumberId,
      settings: { ...(settings.verifyToken === undefined ? { verifyToken: generateVerifyToken() } : {}), ...(display !== undefined ? { displayPhoneNumber: display } : {}) }
    }
  },

  async disconnect ({ settings, connectionId }, ctx) {
    const s = readWhatsAppSettings(settings)
    if (await otherNumbersOfAccount(ctx, s.businessAccountId, connectionId) > 0) return
    await callGraph(whatsappTarget(s), 'DELETE', `${s.businessAccountId}/subscribed_apps`)
  },

  async typing ({ connection, externalUserId }, ctx) {
    const latest = await latestClientMessage(ctx, connection.id, externalUserId)
    if (latest === null) return
    await whatsappTyping(readWhatsAppSettings(connection.settings, connection.secrets), latest)
  },

  send: (delivery, ctx) => sendToWhatsApp(delivery, ctx)
}
