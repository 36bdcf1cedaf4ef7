// What the widget needs before the visitor writes: title, language, look, whether to show itself
// (C3: working hours, from the automation plugin when it is loaded) and the consent notice (D1).
import { consentText, normalizeWorkingHours, pickLanguage, shippedText, workingHoursStatus, type ConsentSettings } from '@openline/plugin-automation'
import type { Ctx, WidgetAccess } from './visitors.ts'

export interface WidgetInfo {
  key: string
  title: string
  language: string
  color: string | null
  position: 'right' | 'left'
  show: boolean
  consent: { text: string, version: string } | null
}

/** The notice as automation would send it, with no client or agent known yet. */
function consentPrompt (ctx: Ctx, settings: ConsentSettings, channelName: string, language: string): { text: string, version: string } {
  const vars = { clientName: '', channelName, agentName: '', workingHours: '', queuePosition: null, textVersion: settings.textVersion }
  const shipped = shippedText('consentNotice', pickLanguage(language))
  const source = consentText(settings, language) ?? shipped
  let text: string
  try {
    text = ctx.templates.render(source, vars)
  } catch {
    text = ctx.templates.render(shipped, vars)
  }
  return { text, version: settings.textVersion }
}

export async function widgetInfo (ctx: Ctx, access: WidgetAccess, at: Date = new Date()): Promise<WidgetInfo | null> {
  const channel = await ctx.openChannel(access.connection.openChannelId)
  if (channel === null) return null
  const hours = channel.groups.workingHours
  // Without the automation plugin there are no working hours: always shown.
  const show = hours === undefined || workingHoursStatus(normalizeWorkingHours(hours), at, channel.language).showWidget
  const consent = channel.groups.consent as ConsentSettings | undefined
  return {
    key: access.connection.externalAccountId,
    title: access.settings.title ?? channel.name,
    language: channel.language,
    color: access.settings.color ?? null,
    position: access.settings.position,
    show,
    consent: consent?.enabled === true ? consentPrompt(ctx, consent, channel.name, channel.language) : null
  }
}
