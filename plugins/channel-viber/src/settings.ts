import { Type, type Static } from '@openline/sdk'

export const defaultApiBaseUrl = 'https://chatapi.viber.com/pa'

/** Settings of one Viber bot connection. `authToken` is sealed (see `secretFields`). */
export const viberSettingsSchema = Type.Object({
  /** The bot's authentication token ("app key" in the bot's Edit Info screen). */
  authToken: Type.String({ minLength: 10, maxLength: 200, pattern: '^[A-Za-z0-9-]+$' }),
  /** Viber's REST API base (a loopback fake in tests). */
  apiBaseUrl: Type.String({ pattern: '^https?://', maxLength: 500, default: defaultApiBaseUrl }),
  /** Sender name when the agent is hidden (Viber requires one, at most 28 characters); filled from get_account_info on connect. */
  botName: Type.Optional(Type.String({ minLength: 1, maxLength: 28 })),
  botAvatarUrl: Type.Optional(Type.String({ pattern: '^https://', maxLength: 1000 })),
  /** Welcome message answered to `conversation_started` (handlebars: `{{name}}` is the user's name). */
  welcomeText: Type.Optional(Type.String({ minLength: 1, maxLength: 7000 })),
  /** Hosts (and their subdomains) inbound media URLs may be fetched from, through the SSRF guard. */
  mediaHosts: Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9.-]+$' }), { maxItems: 20, default: ['viber.com'] }),
  /** Ask Viber for users' names and photos (the user's privacy settings still apply). */
  sendName: Type.Boolean({ default: true }),
  sendPhoto: Type.Boolean({ default: true })
})

export type ViberSettings = Static<typeof viberSettingsSchema>

/** Events the webhook asks for; `message`, `webhook` and `conversation_started`… are always sent, listing them is harmless. */
export const eventTypes = ['delivered', 'seen', 'failed', 'subscribed', 'unsubscribed', 'conversation_started']

/** Stored settings as plain values (the delivery worker hands over raw JSON plus opened secrets). */
export function readSettings (settings: Record<string, unknown>, secrets: Record<string, unknown> = {}): ViberSettings {
  const all = { ...settings, ...secrets }
  const mediaHosts = Array.isArray(all.mediaHosts) ? all.mediaHosts.filter((h): h is string => typeof h === 'string') : ['viber.com']
  return {
    authToken: String(all.authToken ?? ''),
    apiBaseUrl: typeof all.apiBaseUrl === 'string' ? all.apiBaseUrl : defaultApiBaseUrl,
    botName: typeof all.botName === 'string' ? all.botName : undefined,
    botAvatarUrl: typeof all.botAvatarUrl === 'string' ? all.botAvatarUrl : undefined,
    welcomeText: typeof all.welcomeText === 'string' ? all.welcomeText : undefined,
    mediaHosts,
    sendName: all.sendName !== false,
    sendPhoto: all.sendPhoto !== false
  }
}
