import { randomBytes } from 'node:crypto'
import { Type, type Static } from '@openline/sdk'
import type { GraphTarget } from './graph.ts'

export const defaultApiBaseUrl = 'https://graph.facebook.com'
export const defaultApiVersion = 'v21.0'
export const defaultMediaHosts = ['fbcdn.net', 'fbsbx.com']

/** Settings of one Page (Messenger) or Instagram account connection; secrets are sealed (see `secretFields`). */
export const metaSettingsSchema = Type.Object({
  /** Page access token (Messenger and Instagram Messaging both send through the Page). */
  pageAccessToken: Type.String({ minLength: 10, maxLength: 1000, pattern: '^[A-Za-z0-9_|-]+$' }),
  /** The app secret: webhook payloads are signed with it (X-Hub-Signature-256). */
  appSecret: Type.String({ minLength: 8, maxLength: 200 }),
  /** Answered in the webhook verification handshake; generated when absent. */
  verifyToken: Type.Optional(Type.String({ minLength: 8, maxLength: 200 })),
  apiBaseUrl: Type.String({ pattern: '^https?://', maxLength: 500, default: defaultApiBaseUrl }),
  apiVersion: Type.String({ pattern: '^v[0-9]{1,3}\\.[0-9]{1,3}$', default: defaultApiVersion }),
  /** Hosts (and their subdomains) inbound attachment URLs may be fetched from, through the SSRF guard. */
  mediaHosts: Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9.-]+$' }), { maxItems: 20, default: defaultMediaHosts })
})

export type MetaSettings = Static<typeof metaSettingsSchema>
export const metaSecretFields = ['pageAccessToken', 'appSecret', 'verifyToken']

export function generateVerifyToken (): string {
  return randomBytes(24).toString('base64url')
}

/** Stored settings as plain values (the delivery worker hands over raw JSON plus opened secrets). */
export function readSettings (settings: Record<string, unknown>, secrets: Record<string, unknown> = {}): MetaSettings {
  const all = { ...settings, ...secrets }
  return {
    pageAccessToken: typeof all.pageAccessToken === 'string' ? all.pageAccessToken : '',
    appSecret: typeof all.appSecret === 'string' ? all.appSecret : '',
    verifyToken: typeof all.verifyToken === 'string' ? all.verifyToken : undefined,
    apiBaseUrl: typeof all.apiBaseUrl === 'string' ? all.apiBaseUrl.replace(/\/+$/, '') : defaultApiBaseUrl,
    apiVersion: typeof all.apiVersion === 'string' ? all.apiVersion : defaultApiVersion,
    mediaHosts: Array.isArray(all.mediaHosts) ? all.mediaHosts.filter((h): h is string => typeof h === 'string') : defaultMediaHosts
  }
}

/** The Graph API as the page: Messenger, Instagram and page comments. */
export function pageTarget (settings: Pick<MetaSettings, 'apiBaseUrl' | 'apiVersion' | 'pageAccessToken'>): GraphTarget {
  return { apiBaseUrl: settings.apiBaseUrl, apiVersion: settings.apiVersion, accessToken: settings.pageAccessToken, tokenIn: 'query' }
}
