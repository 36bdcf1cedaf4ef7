// D1 acceptance by button: the notice carries an "I agree" button (`meta.buttons`) whose press
// comes back from any connector with buttons (web chat, Telegram) as a client message with
// `meta.callbackData = consent:accept:<textVersion>`; the subscriber records it (source `button`).
import { readFileSync } from 'node:fs'
import { coreEvents, subscribe, type EventPayload, type MessageButton, type PluginContext, type Tx } from '@openline/sdk'
import type { AutomationFeature } from './feature.ts'
import { recordConsent } from './consent.ts'
import { textLanguages, type TextLanguage } from './texts.ts'

export const consentCallbackPrefix = 'consent:accept:'

/** Button data travels through providers that allow 64 bytes (Telegram). */
const maxDataBytes = 64

function acceptLabel (language: TextLanguage): string {
  const raw = JSON.parse(readFileSync(new URL(`../locales/${language}.json`, import.meta.url), 'utf8')) as Record<string, unknown>
  // A locale file without the label is a packaging bug: fail at load, not when a client writes.
  if (typeof raw.consentAccept !== 'string' || raw.consentAccept.trim() === '') throw new Error(`automation: locales/${language}.json lacks "consentAccept"`)
  return raw.consentAccept
}

const acceptLabels = Object.fromEntries(textLanguages.map(l => [l, acceptLabel(l)])) as Record<TextLanguage, string>

/** The "I agree" button for a notice version, or null when its data would exceed 64 bytes (the notice then goes as text). */
export function consentButton (language: TextLanguage, textVersion: string): MessageButton | null {
  const data = `${consentCallbackPrefix}${textVersion}`
  return Buffer.byteLength(data) > maxDataBytes ? null : { text: acceptLabels[language], data }
}

/** A client pressed the button: record the acceptance of that version. Idempotent (the first acceptance is kept). */
export async function onConsentButton (payload: EventPayload<typeof coreEvents.messageReceived>, tx: Tx, ctx: PluginContext<any>): Promise<void> {
  const message = await ctx.messages.get(payload.messageId, tx)
  const data = message?.meta.callbackData
  if (typeof data !== 'string' || !data.startsWith(consentCallbackPrefix)) return
  const textVersion = data.slice(consentCallbackPrefix.length)
  if (textVersion === '' || textVersion.length > 50) return
  await recordConsent(tx, { clientId: payload.clientId, openChannelId: payload.openChannelId, textVersion, source: 'button' })
}

/**
 * Its own feature, listed last: subscriber job names follow their position in the plugin's list,
 * so the others keep theirs (jobs in flight during an upgrade still find their handler).
 */
export const consentButtonFeature: AutomationFeature = {
  name: 'consentButton',
  on: [subscribe(coreEvents.messageReceived, onConsentButton)]
}
