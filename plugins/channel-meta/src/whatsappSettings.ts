import { Type, type Static } from '@openline/sdk'
import type { GraphTarget } from './graph.ts'
import { defaultApiBaseUrl, defaultApiVersion } from './settings.ts'

/** WhatsApp media links point at lookaside.fbsbx.com; fbcdn.net and whatsapp.net serve some files. */
export const defaultWhatsAppMediaHosts = ['fbsbx.com', 'fbcdn.net', 'whatsapp.net']

/** What a template body parameter is filled with: the agent's text, or the name the client sees. */
export const templateParameterSources = ['message', 'agentName'] as const
export type TemplateParameterSource = typeof templateParameterSources[number]

/**
 * The approved message template sent when the 24-hour customer-service window is closed. Each
 * `bodyParameters` entry fills `{{1}}`, `{{2}}`… of the template's body, in order.
 */
export const whatsappTemplateSchema = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9_]{1,512}$', description: 'Template name as approved in WhatsApp Manager' }),
  language: Type.String({ pattern: '^[a-z]{2,3}(_[A-Z]{2})?$', default: 'en_US', description: 'Language code of the approved translation, e.g. en_US, pt_BR' }),
  bodyParameters: Type.Array(Type.Union(templateParameterSources.map(s => Type.Literal(s))), { maxItems: 10, default: [] })
})

/** One WhatsApp business phone number; secrets are sealed (see `whatsappSecretFields`). */
export const whatsappSettingsSchema = Type.Object({
  /** A system-user access token with whatsapp_business_messaging (and _management for connect). */
  accessToken: Type.String({ minLength: 10, maxLength: 1000, pattern: '^[A-Za-z0-9_|-]+$' }),
  /** The app secret: webhook payloads are signed with it (X-Hub-Signature-256). */
  appSecret: Type.String({ minLength: 8, maxLength: 200 }),
  phoneNumberId: Type.String({ pattern: '^[0-9]{1,40}$' }),
  businessAccountId: Type.String({ pattern: '^[0-9]{1,40}$' }),
  /** Answered in the webhook verification handshake; generated when absent. */
  verifyToken: Type.Optional(Type.String({ minLength: 8, maxLength: 200 })),
  apiBaseUrl: Type.String({ pattern: '^https?://', maxLength: 500, default: defaultApiBaseUrl }),
  apiVersion: Type.String({ pattern: '^v[0-9]{1,3}\\.[0-9]{1,3}$', default: defaultApiVersion }),
  mediaHosts: Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9.-]+$' }), { maxItems: 20, default: defaultWhatsAppMediaHosts }),
  /** Sent outside the 24-hour window; without one, such replies fail with a clear error. */
  template: Type.Optional(whatsappTemplateSchema),
  /** Filled on connect from the phone number's record. */
  displayPhoneNumber: Type.Optional(Type.String({ maxLength: 50 }))
})

export type WhatsAppSettingsInput = Static<typeof whatsappSettingsSchema>
export const whatsappSecretFields = ['accessToken', 'appSecret', 'verifyToken']

export interface WhatsAppTemplate { name: string, language: string, bodyParameters: TemplateParameterSource[] }

export interface WhatsAppSettings {
  accessToken: string
  appSecret: string
  phoneNumberId: string
  businessAccountId: string
  verifyToken: string | undefined
  apiBaseUrl: string
  apiVersion: string
  mediaHosts: string[]
  template: WhatsAppTemplate | null
}

function readTemplate (value: unknown): WhatsAppTemplate | null {
  if (typeof value !== 'object' || value === null) return null
  const t = value as Record<string, unknown>
  if (typeof t.name !== 'string' || t.name === '') return null
  const bodyParameters = Array.isArray(t.bodyParameters)
    ? t.bodyParameters.filter((p): p is TemplateParameterSource => (templateParameterSources as readonly unknown[]).includes(p))
    : []
  return { name: t.name, language: typeof t.language === 'string' ? t.language : 'en_US', bodyParameters }
}

/** Stored settings as plain values (the delivery worker hands over raw JSON plus opened secrets). */
export function readWhatsAppSettings (settings: Record<string, unknown>, secrets: Record<string, unknown> = {}): WhatsAppSettings {
  const all = { ...settings, ...secrets }
  const text = (v: unknown): string => typeof v === 'string' ? v : ''
  return {
    accessToken: text(all.accessToken),
    appSecret: text(all.appSecret),
    phoneNumberId: text(all.phoneNumberId),
    businessAccountId: text(all.businessAccountId),
    verifyToken: typeof all.verifyToken === 'string' ? all.verifyToken : undefined,
    apiBaseUrl: typeof all.apiBaseUrl === 'string' ? all.apiBaseUrl.replace(/\/+$/, '') : defaultApiBaseUrl,
    apiVersion: typeof all.apiVersion === 'string' ? all.apiVersion : defaultApiVersion,
    mediaHosts: Array.isArray(all.mediaHosts) ? all.mediaHosts.filter((h): h is string => typeof h === 'string') : defaultWhatsAppMediaHosts,
    template: readTemplate(all.template)
  }
}

/** The Graph API as the WhatsApp business (bearer token, as Meta documents the Cloud API). */
export function whatsappTarget (settings: Pick<WhatsAppSettings, 'apiBaseUrl' | 'apiVersion' | 'accessToken'>): GraphTarget {
  return { apiBaseUrl: settings.apiBaseUrl, apiVersion: settings.apiVersion, accessToken: settings.accessToken, tokenIn: 'header' }
}
