// When to try a failed delivery again.

/** Longest wait a receiver's `Retry-After` may impose on one attempt. */
export const maxRetryAfterMs = 6 * 60 * 60 * 1000

/**
 * Wait after the `attempt`-th failed attempt (1-based): `baseMs`, then doubled each time, plus up
 * to 10 % jitter so that endpoints recovering from an outage are not hit by every retry at once.
 */
export function backoffMs (attempt: number, baseMs: number, random: () => number = Math.random): number {
  const plain = baseMs * 2 ** Math.max(0, attempt - 1)
  return Math.round(plain * (1 + random() * 0.1))
}

/** A `Retry-After` header (delay in seconds or an HTTP date) in milliseconds from `now`; null when absent or unreadable. */
export function retryAfterMs (header: string | null, now: number = Date.now()): number | null {
  if (header === null) return null
  const value = header.trim()
  if (/^\d{1,10}$/.test(value)) return Math.min(Number(value) * 1000, maxRetryAfterMs)
  const at = Date.parse(value)
  if (Number.isNaN(at)) return null
  return Math.min(Math.max(0, at - now), maxRetryAfterMs)
}

/** The wait before the next attempt: the back-off, or longer when the receiver asked for it. */
export function nextDelayMs (attempt: number, baseMs: number, askedMs: number | null): number {
  return Math.max(backoffMs(attempt, baseMs), askedMs ?? 0)
}
