// Telegram payloads are untrusted input: everything that reaches the database goes through these.
// PostgreSQL text and jsonb refuse NUL and lone surrogates, and columns have lengths.

export type Obj = Record<string, unknown>

export function isObject (value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A storable string of at most `max` UTF-16 units, or undefined (empty counts as absent). */
export function cleanText (value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined
  let s = value.includes('\u0000') ? value.replaceAll('\u0000', '') : value
  if (s.length > max) s = s.slice(0, max)
  s = s.toWellFormed()
  return s === '' ? undefined : s
}

/** Telegram ids are integers that fit in 52 bits (chat ids may be negative). */
export function intId (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined
}

export function positiveInt (value: unknown): number | undefined {
  const n = intId(value)
  return n !== undefined && n > 0 ? n : undefined
}

/** A Unix time in seconds within years 1970–9999; anything else is ignored (the core uses now). */
export function unixDate (value: unknown): Date | undefined {
  const n = positiveInt(value)
  return n !== undefined && n < 253_402_300_800 ? new Date(n * 1000) : undefined
}

export function finiteNumber (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}
