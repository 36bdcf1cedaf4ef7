import { Type, type Static } from '@openline/sdk'

export const defaultApiBaseUrl = 'https://api.telegram.org'

/** What an admin gives when connecting a bot. `token` and `webhookSecret` are sealed secrets. */
export const settingsSchema = Type.Object({
  /** The bot token from @BotFather (`123456:ABC-…`). */
  token: Type.String({ pattern: '^[0-9]{1,20}:[A-Za-z0-9_-]{20,200}$', description: 'Bot token from @BotFather' }),
  /**
   * The `secret_token` Telegram echoes in `X-Telegram-Bot-Api-Secret-Token`. Generated on the first
   * connect when not given (and then kept across re-connects).
   */
  webhookSecret: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{16,256}$' })),
  /** Bot API base URL: the real one by default, a local Bot API server or a test fake otherwise. */
  apiBaseUrl: Type.String({ pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$', default: defaultApiBaseUrl }),
  /** Filled on connect from getMe. */
  botUsername: Type.Optional(Type.String({ maxLength: 64 })),
  /** Largest attachment fetched from Telegram (bytes); the core's own limit applies too. getFile stops at 20 MB. */
  maxFileBytes: Type.Integer({ minimum: 1024, maximum: 20 * 1024 * 1024, default: 20 * 1024 * 1024 })
})

export type TelegramSettings = Static<typeof settingsSchema>

export const secretFields = ['token', 'webhookSecret']

/** The API base without a trailing slash. */
export function apiBase (settings: { apiBaseUrl?: unknown }): string {
  const base = typeof settings.apiBaseUrl === 'string' && settings.apiBaseUrl !== '' ? settings.apiBaseUrl : defaultApiBaseUrl
  return base.replace(/\/+$/, '')
}
