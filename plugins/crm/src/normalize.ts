// I1 keys: a phone as E.164-ish digits (leading + kept), an e-mail lower-cased; and the ones a client
// wrote in a message (I3 "a later message provides them").

const emailPattern = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/

/** Digits only with a leading + kept; null unless 5 to 15 digits remain. */
export function normalizePhone (raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 50) return null
  const trimmed = raw.trim()
  if (!/^\+?[\d\s().\-/]+$/.test(trimmed)) return null
  const digits = trimmed.replace(/\D/g, '')
  if (digits.length < 5 || digits.length > 15) return null
  return trimmed.startsWith('+') ? `+${digits}` : digits
}

/** Trimmed and lower-cased; null unless it looks like an address (at most 254 characters). */
export function normalizeEmail (raw: unknown): string | null {
  if (typeof raw !== 'string') return null
  const value = raw.trim().toLowerCase()
  return value.length <= 254 && emailPattern.test(value) ? value : null
}

/** A name as shown: trimmed, inner whitespace collapsed, at most 200 characters; null when empty. */
export function cleanName (raw: unknown): string | null {
  if (typeof raw !== 'string') return null
  const value = raw.replace(/\s+/g, ' ').trim().slice(0, 200)
  return value === '' ? null : value
}

/**
 * E-mail addresses and phone numbers written in a message. A number counts as a phone only with a
 * leading + or 10 to 15 digits, so order numbers and prices are left alone.
 */
export function contactsInText (text: string): { phones: string[], emails: string[] } {
  const sample = text.slice(0, 10_000)
  const emails = new Set<string>()
  for (const match of sample.matchAll(/[^\s@<>()[\]\\,;:"']+@[^\s@<>()[\]\\,;:"']+\.[a-z]{2,}/gi)) {
    const email = normalizeEmail(match[0].replace(/[.]+$/, ''))
    if (email !== null) emails.add(email)
  }
  const phones = new Set<string>()
  for (const match of sample.matchAll(/\+?\d[\d\s().-]{5,22}\d/g)) {
    const phone = normalizePhone(match[0])
    if (phone === null) continue
    const digits = phone.replace(/\D/g, '').length
    if (phone.startsWith('+') || (digits >= 10 && digits <= 15)) phones.add(phone)
  }
  return { phones: [...phones], emails: [...emails] }
}
