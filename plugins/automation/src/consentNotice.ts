// D1: the consent notice sent when a conversation starts, with its "I agree" button.
import type { PluginContext, Tx } from '@openline/sdk'
import { consentText } from './consent.ts'
import { consentButton } from './consentButton.ts'
import { sendText, type Scene } from './scene.ts'

/**
 * Send the notice if the consent group is on. `askAt: firstContact`: once per client, open
 * channel and text version, and not at all once that version was accepted; `everyConversation`:
 * at every new conversation. The text: the channel language's override, else the English
 * override, else the shipped text of the channel's language. It carries an "I agree" button
 * (`meta.buttons`); pressing it records the acceptance (consentButton.ts).
 */
export async function sendConsentNotice (tx: Tx, ctx: PluginContext<any>, scene: Scene): Promise<boolean> {
  const settings = scene.consent
  if (!settings.enabled) return false
  const c = scene.conversation
  if (settings.askAt === 'firstContact') {
    const accepted = await tx.query('select 1 from automation_consents where client_id = ? and open_channel_id = ? and text_version = ?', [c.clientId, c.openChannelId, settings.textVersion])
    if (accepted.length > 0) return false
    const claimed = await tx.query(
      `insert into automation_consent_notices (client_id, open_channel_id, text_version, conversation_id) values (?, ?, ?, ?)
       on conflict (client_id, open_channel_id, text_version) do nothing returning client_id`, [c.clientId, c.openChannelId, settings.textVersion, c.id])
    if (claimed.length === 0) return false
  }
  const button = consentButton(scene.language, settings.textVersion)
  // sendText owns the once-per-conversation claim and the rendering; the button rides on its message.
  const withButton: PluginContext<any> = button === null
    ? ctx
    : { ...ctx, sendMessage: (message, t) => ctx.sendMessage({ ...message, meta: { ...message.meta, buttons: [button] } }, t) }
  return sendText(tx, withButton, scene, { action: 'consentNotice', key: 'consentNotice', override: consentText(settings, scene.channel.language) ?? undefined })
}
