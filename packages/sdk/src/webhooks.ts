// What every connector's webhook needs before it may trust a payload: the raw bytes, an HMAC or a
// shared secret compared in constant time, and JSON parsed only after the check.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'

/**
 * Keep `application/json` bodies as raw bytes in this (encapsulated) plugin scope: signatures are
 * computed over the bytes the provider sent, which re-serialised JSON does not reproduce (non-ASCII
 * text, key order, escapes). Bodies above `bodyLimit` get 413 before any handler runs.
 * @example
 * routes (app, ctx) { keepRawJson(app, { bodyLimit: 256 * 1024 }); app.post('/webhook/:id', …) }
 */
export function keepRawJson (app: FastifyInstance, options: { bodyLimit: number }): void {
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_request, body, done) => { done(null, body) })
}

/** HMAC-SHA256 of the raw bytes, hex (Viber, Meta after `sha256=`) or base64. */
export function hmacSha256 (secret: string, raw: Buffer | string, encoding: 'hex' | 'base64' = 'hex'): string {
  return createHmac('sha256', secret).update(raw).digest(encoding)
}

/**
 * Whether `given` (a header value) is the HMAC-SHA256 of `raw` under `secret`, in constant time.
 * `prefix` is stripped first (Meta's `sha256=`); anything malformed is simply false.
 */
export function hmacMatches (secret: string, raw: Buffer, given: unknown, options: { encoding?: 'hex' | 'base64', prefix?: string } = {}): boolean {
  if (typeof given !== 'string' || secret === '') return false
  const prefix = options.prefix ?? ''
  const value = given.trim()
  if (!value.startsWith(prefix)) return false
  const encoding = options.encoding ?? 'hex'
  const text = value.slice(prefix.length)
  if (encoding === 'hex' ? !/^[0-9a-fA-F]{64}$/.test(text) : !/^[A-Za-z0-9+/]{43}=$/.test(text)) return false
  const expected = createHmac('sha256', secret).update(raw).digest()
  const received = Buffer.from(text, encoding)
  return received.length === expected.length && timingSafeEqual(received, expected)
}

/** Constant-time equality of a presented secret (Telegram's secret token, a verify token) and the stored one; hashing equalises lengths. */
export function sameSecret (given: unknown, expected: unknown): boolean {
  if (typeof given !== 'string' || typeof expected !== 'string' || expected === '') return false
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest()
  return timingSafeEqual(digest(given), digest(expected)) && given.length === expected.length
}

/** JSON parsed after the signature check: malformed bytes are a 400, never a 5xx. */
export function parseJson (raw: Buffer): { ok: true, value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) }
  } catch {
    return { ok: false }
  }
}
