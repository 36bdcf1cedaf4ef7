// Wall-clock time in an IANA zone, derived from Intl only: no offset tables or DST rules here.
// "Wall" values are the local date and time written as if they were UTC (ms since epoch), so
// calendar arithmetic on them is plain Date.UTC arithmetic.

export const minuteMs = 60_000
export const hourMs = 60 * minuteMs
export const dayMs = 24 * hourMs

export interface LocalDateTime {
  year: number
  /** 1–12 */
  month: number
  day: number
  hour: number
  minute: number
  second: number
  /** 0 = Monday … 6 = Sunday */
  weekday: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter (timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    // h23: midnight is 00, never 24 (the `hour12: false` pitfall).
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric'
    })
    formatters.set(timeZone, f)
  }
  return f
}

/** Weekday of a calendar date, 0 = Monday. */
export function weekdayOf (year: number, month: number, day: number): number {
  return (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7
}

/** The local date and time at instant `at` in `timeZone`. */
export function localDateTime (timeZone: string, at: Date | number): LocalDateTime {
  const parts = formatter(timeZone).formatToParts(at)
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find(p => p.type === type)?.value)
  const year = get('year')
  const month = get('month')
  const day = get('day')
  return { year, month, day, hour: get('hour'), minute: get('minute'), second: get('second'), weekday: weekdayOf(year, month, day) }
}

/** The local wall-clock reading at instant `t`, as a "wall" timestamp (ms). */
export function wallClock (timeZone: string, t: number): number {
  const l = localDateTime(timeZone, t)
  const ms = ((t % 1000) + 1000) % 1000
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) + ms
}

/** How far the zone's clock is ahead of UTC at instant `t` (ms). */
export function offsetAt (timeZone: string, t: number): number {
  return wallClock(timeZone, t) - t
}

/**
 * The instants at which the local clock reads `wall`: one normally, two in a repeated hour
 * (clocks turned back), none in a skipped hour (clocks turned forward).
 */
export function instantsAtWallClock (timeZone: string, wall: number): number[] {
  // Any real offset lies within ±15 h, so the instant is within this window of `wall`.
  const offsets = new Set([offsetAt(timeZone, wall - 15 * hourMs), offsetAt(timeZone, wall), offsetAt(timeZone, wall + 15 * hourMs)])
  const out = new Set<number>()
  for (const o of offsets) {
    const t = wall - o
    if (wallClock(timeZone, t) === wall) out.add(t)
  }
  return [...out].sort((a, b) => a - b)
}

/**
 * Instants in (lo, hi] where the zone's offset changes (at most one per half of the window:
 * real zones never change twice within a day). Each is the first second of the new offset.
 */
export function offsetChanges (timeZone: string, lo: number, hi: number): number[] {
  const loS = Math.floor(lo / 1000)
  const hiS = Math.ceil(hi / 1000)
  const midS = Math.floor((loS + hiS) / 2)
  const off = (s: number): number => offsetAt(timeZone, s * 1000)
  const out: number[] = []
  const search = (a: number, b: number, oa: number, ob: number): void => {
    if (oa === ob) return
    // Invariant: offset(a) = oa, offset(b) ≠ oa; find the first second with a different offset.
    while (b - a > 1) {
      const m = Math.floor((a + b) / 2)
      if (off(m) === oa) a = m
      else b = m
    }
    out.push(b * 1000)
  }
  const oLo = off(loS)
  const oMid = off(midS)
  const oHi = off(hiS)
  search(loS, midS, oLo, oMid)
  search(midS, hiS, oMid, oHi)
  return out
}

/** A known IANA zone name (or alias such as `UTC`); offset strings like `+03:00` are not zones. */
export function isKnownTimeZone (timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(timeZone)) return false
  if (supportedZones().has(timeZone)) return true
  // Aliases Intl resolves but does not list (UTC, Etc/GMT+3, Europe/Kyiv on older data…).
  try {
    new Intl.DateTimeFormat('en-US', { timeZone })
    return true
  } catch {
    return false
  }
}

let zones: Set<string> | null = null
function supportedZones (): Set<string> {
  zones ??= new Set(Intl.supportedValuesOf('timeZone'))
  return zones
}
