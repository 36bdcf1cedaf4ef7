import type { Attachment, PluginContext } from '@openline/sdk'
import { callGraph } from './graph.ts'
import { whatsappTarget, type WhatsAppSettings } from './whatsappSettings.ts'

const lookupTimeoutMs = 10_000

/**
 * Where a media URL may be fetched from with the bearer token: the configured API origin (trusted,
 * the admin's own configuration) or one of the Meta media hosts (through the SSRF guard). The token
 * never goes anywhere else.
 */
export function mediaOrigin (url: string, settings: Pick<WhatsAppSettings, 'apiBaseUrl' | 'mediaHosts'>): { trustedOrigins: string[] } | null {
  let target: URL
  let api: URL
  try {
    target = new URL(url)
    api = new URL(settings.apiBaseUrl)
  } catch {
    return null
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return null
  if (target.origin === api.origin) return { trustedOrigins: [api.origin] }
  const host = target.hostname.toLowerCase()
  // Meta's media hosts are public and use TLS; plain http there is not them.
  if (target.protocol !== 'https:') return null
  return settings.mediaHosts.some(h => host === h || host.endsWith(`.${h}`)) ? { trustedOrigins: [] } : null
}

const mimeTypeOf = (v: unknown): string | undefined => {
  const type = typeof v === 'string' ? v.split(';')[0].trim() : ''
  return /^[\w.+-]+\/[\w.+-]+$/.test(type) ? type : undefined
}

/**
 * An inbound WhatsApp file: `GET /{media-id}` names a short-lived URL, which is downloaded with the
 * bearer token and kept. Never throws: null when refused or failed (the message is stored without the bytes).
 */
export async function fetchWhatsAppMedia (mediaId: string, settings: WhatsAppSettings, ctx: PluginContext): Promise<{ storageKey: string, size: number, mimeType?: string } | null> {
  try {
    const info = await callGraph(whatsappTarget(settings), 'GET', encodeURIComponent(mediaId), { query: { phone_number_id: settings.phoneNumberId }, timeoutMs: lookupTimeoutMs })
    const url = typeof info.url === 'string' ? info.url : null
    if (url === null) throw new Error('the media lookup named no url')
    if (typeof info.file_size === 'number' && info.file_size > ctx.files.maxBytes) throw new Error(`the file (${info.file_size} bytes) is over the limit`)
    const origin = mediaOrigin(url, settings)
    if (origin === null) throw new Error(`media URL on ${url.slice(0, 100)} is outside the API origin and the media hosts`)
    const res = await ctx.files.fetch(url, { ...origin, headers: { authorization: `Bearer ${settings.accessToken}` } })
    if (res.status !== 200) throw new Error(`the media host answered ${res.status}`)
    const stored = await ctx.files.store(res.data)
    const mimeType = mimeTypeOf(info.mime_type) ?? mimeTypeOf(res.headers.get('content-type'))
    return { ...stored, ...(mimeType !== undefined ? { mimeType } : {}) }
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message, mediaId }, 'whatsapp: media not fetched; message kept without the file')
    return null
  }
}

/** The `type` field WhatsApp takes for an attachment kind. */
export function whatsappMediaType (kind: Attachment['kind']): 'image' | 'video' | 'audio' | 'document' | 'sticker' {
  switch (kind) {
    case 'image': return 'image'
    case 'video': return 'video'
    case 'audio': return 'audio'
    case 'sticker': return 'sticker'
    default: return 'document'
  }
}

/** Upload stored bytes (`POST /{phone-number-id}/media`, multipart); resolves the media id to send. */
export async function uploadWhatsAppMedia (settings: WhatsAppSettings, attachment: Attachment, bytes: Buffer): Promise<string> {
  const type = attachment.mimeType ?? 'application/octet-stream'
  const form = new FormData()
  form.set('messaging_product', 'whatsapp')
  form.set('type', type)
  form.set('file', new Blob([new Uint8Array(bytes)], { type }), attachment.name ?? 'file')
  const answer = await callGraph(whatsappTarget(settings), 'POST', `${settings.phoneNumberId}/media`, { form, timeoutMs: 60_000 })
  if (typeof answer.id !== 'string' || answer.id === '') throw new Error('the media upload returned no id')
  return answer.id
}
