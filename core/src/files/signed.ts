import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'

/** What a signed link names: the stored bytes and how to present them. */
export interface SignedFile {
  storageKey: string
  name?: string
  mimeType?: string
}

// Types a browser would run or render with script: never inline, whatever the uploader claimed.
const activeTypes = /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|text\/javascript|application\/javascript|application\/x-javascript|text\/css|application\/pdf)$/i
const inlineTypes = /^(image\/(png|jpeg|gif|webp|avif)|audio\/[\w.+-]+|video\/[\w.+-]+|text\/plain)$/i

export const isActiveType = (mimeType: string): boolean => activeTypes.test(mimeType)
export const isInlineType = (mimeType: string): boolean => inlineTypes.test(mimeType)

/** Signs and checks download links; a link names one file and expires. */
export function createFileSigner (secretKey: string): { sign: (file: SignedFile, ttlSec: number) => string, verify: (token: string) => SignedFile | null } {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'openline', 'openline:files:v1', 32))
  const mac = (payload: string): Buffer => createHmac('sha256', key).update(payload).digest()
  return {
    sign (file, ttlSec) {
      const payload = Buffer.from(JSON.stringify({ k: file.storageKey, n: file.name ?? null, t: file.mimeType ?? null, e: Math.floor(Date.now() / 1000) + ttlSec })).toString('base64url')
      return `${payload}.${mac(payload).toString('base64url')}`
    },
    verify (token) {
      const [payload, signature, extra] = token.split('.')
      if (payload === undefined || signature === undefined || extra !== undefined || payload.length > 4096) return null
      const given = Buffer.from(signature, 'base64url')
      const expected = mac(payload)
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
      try {
        const data = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { k: string, n: string | null, t: string | null, e: number }
        if (typeof data.e !== 'number' || data.e < Date.now() / 1000) return null
        return { storageKey: data.k, ...(data.n !== null ? { name: data.n } : {}), ...(data.t !== null ? { mimeType: data.t } : {}) }
      } catch {
        return null
      }
    }
  }
}
