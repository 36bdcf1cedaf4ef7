// Meta payloads are untrusted input: every value that reaches the database goes through these.
// PostgreSQL text and jsonb hold neither NUL nor lone surrogates, and ids have lengths.

export type Json = Record<string, unknown>

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Storable text of at most `max` UTF-16 units. */
export function clean (value: string, max: number): string {
  const text = value.replaceAll('\u0000', '').toWellFormed()
  return text.length > max ? text.slice(0, max).toWellFormed() : text
}

/** A trimmed, storable string, or null when absent or empty. */
export function str (v: unknown, max = 255): string | null {
  if (typeof v !== 'string') return null
  const s = clean(v, max).trim()
  return s === '' ? null : s
}

/** A Meta id (page-scoped user id, mid, wamid, comment id): a non-empty string of at most 255 characters, or a safe integer. */
export function id (v: unknown): string | null {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v)
  if (typeof v !== 'string' || v.length > 255) return null
  const s = clean(v, 255).trim()
  return s === '' ? null : s
}

const plausible = (ms: number): boolean => Number.isFinite(ms) && ms >= 946_684_800_000 && ms <= 7_258_118_400_000

/** Unix milliseconds → Date, only when plausible (2000–2200). */
export function toDate (v: unknown): Date | undefined {
  if (typeof v !== 'number' || !plausible(v)) return undefined
  return new Date(Math.floor(v))
}

/** Unix seconds (a number, or digits in a string as WhatsApp sends them) → Date, only when plausible. */
export function fromSeconds (v: unknown): Date | undefined {
  const n = typeof v === 'string' && /^[0-9]{1,12}$/.test(v) ? Number(v) : v
  if (typeof n !== 'number' || !Number.isFinite(n)) return undefined
  const ms = Math.floor(n) * 1000
  return plausible(ms) ? new Date(ms) : undefined
}
