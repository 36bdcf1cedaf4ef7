// Working hours of an open channel (ROADMAP C1–C3): the settings group and pure functions over
// it. No I/O. Times are local wall-clock times in the group's IANA zone, so every question is
// answered by reading the clock in that zone (Intl), which keeps DST changes correct.
import { Type, type Static, type FieldError, type SettingsGroup } from '@openline/sdk'
import {
  dayMs, hourMs, minuteMs, instantsAtWallClock, isKnownTimeZone, localDateTime, offsetAt, offsetChanges, weekdayOf
} from './zonedTime.ts'
import { checkTemplate } from './runtime.ts'

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type Weekday = typeof weekdays[number]

/** Most intervals one day may have (split shifts); more is a mistake, not a schedule. */
export const maxIntervalsPerDay = 12
export const maxHolidays = 400
export const maxOutOfHoursText = 2000

const timePattern = '^([01][0-9]|2[0-3]):[0-5][0-9]$'
const endTimePattern = '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$'
const holidayPattern = '^([0-9]{2}\\.[0-9]{2}|[0-9]{4}-[0-9]{2}-[0-9]{2})$'

const intervalSchema = Type.Object({
  from: Type.String({ pattern: timePattern, description: 'Opens at, HH:MM (00:00–23:59)' }),
  to: Type.String({ pattern: endTimePattern, description: 'Closes at, HH:MM (00:01–24:00), later than from' })
})
export type Interval = Static<typeof intervalSchema>

const officeDay = (): Interval[] => [{ from: '09:00', to: '18:00' }]
const daySchema = (open: boolean) => Type.Array(intervalSchema, {
  maxItems: maxIntervalsPerDay,
  default: open ? officeDay() : [],
  description: 'Opening intervals of the day; several for split shifts'
})

export const workingHoursDefaults = {
  enabled: false,
  timezone: 'UTC',
  week: { mon: officeDay(), tue: officeDay(), wed: officeDay(), thu: officeDay(), fri: officeDay(), sat: [], sun: [] },
  daysOff: ['sat', 'sun'],
  holidays: [],
  outOfHours: { reply: false },
  widgetOnlyDuringHours: false
} satisfies Record<string, unknown>

export const workingHoursSchema = Type.Object({
  /** Off: the channel is always open. */
  enabled: Type.Boolean({ default: false }),
  timezone: Type.String({ minLength: 1, maxLength: 64, default: 'UTC', description: 'IANA time zone, e.g. Europe/Warsaw' }),
  week: Type.Object({
    mon: daySchema(true),
    tue: daySchema(true),
    wed: daySchema(true),
    thu: daySchema(true),
    fri: daySchema(true),
    sat: daySchema(false),
    sun: daySchema(false)
  }, { default: workingHoursDefaults.week }),
  daysOff: Type.Array(Type.Union(weekdays.map(d => Type.Literal(d))), {
    maxItems: 7, default: ['sat', 'sun'], description: 'Weekdays closed whatever their intervals say'
  }),
  holidays: Type.Array(Type.String({ pattern: holidayPattern, description: 'dd.mm every year (31.12) or one date yyyy-mm-dd' }), {
    maxItems: maxHolidays, default: []
  }),
  outOfHours: Type.Object({
    /** Send an automatic reply to messages that arrive while closed (they are stored either way). */
    reply: Type.Boolean({ default: false }),
    /** Template; omitted: the shipped text in the channel's language. */
    text: Type.Optional(Type.String({ maxLength: maxOutOfHoursText }))
  }, { default: { reply: false } }),
  /** C3: the web widget shows itself only while open. */
  widgetOnlyDuringHours: Type.Boolean({ default: false })
})

export type WorkingHoursSettings = Static<typeof workingHoursSchema>

// ---------------------------------------------------------------------------------------------
// Validation beyond the schema

function minutesOf (time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5))
}

function formatMinutes (m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
}

function daysInMonth (month: number, year: number | null): number {
  if (month === 2) {
    // A recurring 29.02 is a real holiday in leap years.
    if (year === null) return 29
    return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

/** Parsed holiday, or a message saying why it is not one. */
export function parseHoliday (text: string): { day: number, month: number, year: number | null } | { error: string } {
  let m = /^([0-9]{2})\.([0-9]{2})$/.exec(text)
  let day: number, month: number, year: number | null
  if (m !== null) {
    day = Number(m[1]); month = Number(m[2]); year = null
  } else {
    m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(text)
    if (m === null) return { error: 'Expected dd.mm (every year) or yyyy-mm-dd' }
    year = Number(m[1]); month = Number(m[2]); day = Number(m[3])
    if (year < 1970 || year > 9999) return { error: 'Year out of range' }
  }
  if (month < 1 || month > 12) return { error: `No month ${month}` }
  if (day < 1 || day > daysInMonth(month, year)) return { error: `No such date: ${text}` }
  return { day, month, year }
}

/**
 * What the schema cannot say, with paths relative to the group's values: unknown time zone,
 * impossible holidays, from ≥ to, overlapping or repeated intervals, repeated days off and
 * holidays, a blank reply text or one with a template syntax error.
 */
export function validateWorkingHours (values: WorkingHoursSettings): FieldError[] {
  const errors: FieldError[] = []
  if (!isKnownTimeZone(values.timezone)) errors.push({ path: '/timezone', message: `Unknown time zone "${values.timezone}"` })

  for (const day of weekdays) {
    const list = values.week[day]
    const valid: { index: number, from: number, to: number }[] = []
    list.forEach((interval, index) => {
      const from = minutesOf(interval.from)
      const to = minutesOf(interval.to)
      if (from >= to) errors.push({ path: `/week/${day}/${index}/to`, message: `Must be later than ${interval.from}` })
      else valid.push({ index, from, to })
    })
    // Sorted by start, an interval overlaps an earlier one iff it starts before the latest end so far.
    valid.sort((a, b) => a.from - b.from || a.index - b.index)
    let reach: { index: number, from: number, to: number } | null = null
    const flagged = new Set<number>()
    for (const current of valid) {
      if (reach !== null && current.from < reach.to) {
        // Report the interval that comes later in the list: that is the one the user just added.
        const later = Math.max(current.index, reach.index)
        const other = later === current.index ? reach : current
        const same = current.from === reach.from && current.to === reach.to
        if (!flagged.has(later)) {
          flagged.add(later)
          errors.push({
            path: `/week/${day}/${later}`,
            message: same ? 'Duplicate interval' : `Overlaps ${formatMinutes(other.from)}–${formatMinutes(other.to)}`
          })
        }
      }
      if (reach === null || current.to > reach.to) reach = current
    }
  }

  const seenDays = new Set<string>()
  values.daysOff.forEach((day, index) => {
    if (seenDays.has(day)) errors.push({ path: `/daysOff/${index}`, message: `Duplicate day "${day}"` })
    seenDays.add(day)
  })

  const seenHolidays = new Set<string>()
  values.holidays.forEach((text, index) => {
    const parsed = parseHoliday(text)
    if ('error' in parsed) errors.push({ path: `/holidays/${index}`, message: parsed.error })
    else if (seenHolidays.has(text)) errors.push({ path: `/holidays/${index}`, message: `Duplicate holiday "${text}"` })
    seenHolidays.add(text)
  })

  errors.push(...checkTemplate(values.outOfHours.text, '/outOfHours/text'))
  return errors
}

export const workingHoursGroup: SettingsGroup<typeof workingHoursSchema> = {
  id: 'workingHours',
  title: 'Working hours',
  schema: workingHoursSchema,
  defaults: workingHoursDefaults as WorkingHoursSettings,
  validate: validateWorkingHours
}

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Stored group values (possibly absent or saved before a field existed) with defaults filled in.
 * Stored values were validated on save; this only fills gaps.
 */
export function normalizeWorkingHours (stored: unknown): WorkingHoursSettings {
  const s = isPlainObject(stored) ? stored : {}
  const d = workingHoursDefaults
  const week = isPlainObject(s.week) ? s.week : {}
  const out = isPlainObject(s.outOfHours) ? s.outOfHours : {}
  // A copy: callers may change it without touching the shared defaults.
  return structuredClone({
    enabled: typeof s.enabled === 'boolean' ? s.enabled : d.enabled,
    timezone: typeof s.timezone === 'string' ? s.timezone : d.timezone,
    week: Object.fromEntries(weekdays.map(day => [day, Array.isArray(week[day]) ? week[day] : d.week[day]])) as WorkingHoursSettings['week'],
    daysOff: Array.isArray(s.daysOff) ? s.daysOff as Weekday[] : [...d.daysOff] as Weekday[],
    holidays: Array.isArray(s.holidays) ? s.holidays as string[] : [],
    outOfHours: {
      reply: typeof out.reply === 'boolean' ? out.reply : false,
      ...(typeof out.text === 'string' ? { text: out.text } : {})
    },
    widgetOnlyDuringHours: typeof s.widgetOnlyDuringHours === 'boolean' ? s.widgetOnlyDuringHours : d.widgetOnlyDuringHours
  })
}

// ---------------------------------------------------------------------------------------------
// Open or closed

/** True when the whole local date is closed: a day off or a holiday. */
export function isClosedDate (settings: WorkingHoursSettings, year: number, month: number, day: number): boolean {
  if (settings.daysOff.includes(weekdays[weekdayOf(year, month, day)])) return true
  const dm = `${String(day).padStart(2, '0')}.${String(month).padStart(2, '0')}`
  const iso = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
  return settings.holidays.includes(dm) || settings.holidays.includes(iso)
}

function intervalsOf (settings: WorkingHoursSettings, weekday: number): { from: number, to: number }[] {
  return settings.week[weekdays[weekday]].map(i => ({ from: minutesOf(i.from), to: minutesOf(i.to) }))
}

/** Whether the channel is open at instant `at`. Disabled working hours: always open. */
export function isOpenAt (settings: WorkingHoursSettings, at: Date | number): boolean {
  if (!settings.enabled) return true
  const l = localDateTime(settings.timezone, at)
  if (isClosedDate(settings, l.year, l.month, l.day)) return false
  const m = l.hour * 60 + l.minute
  return intervalsOf(settings, l.weekday).some(i => i.from <= m && m < i.to)
}

/** How far ahead `nextOpening`/`nextClosing` look. */
export const searchDays = 400

/**
 * Instants of local date `date` (a wall timestamp at 00:00) where the open/closed state may
 * change: every interval boundary and midnight as read on the local clock (two instants in a
 * repeated hour, none in a skipped one) plus every offset change near the date (which is where a
 * skipped boundary takes effect).
 */
function candidateInstants (settings: WorkingHoursSettings, date: number): number[] {
  const tz = settings.timezone
  const d = new Date(date)
  const weekday = weekdayOf(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())
  const boundaries = new Set<number>([0])
  for (const i of intervalsOf(settings, weekday)) {
    boundaries.add(i.from)
    if (i.to < 1440) boundaries.add(i.to) // 24:00 is the next date's midnight
  }
  const lo = date - 15 * hourMs
  const hi = date + dayMs + 15 * hourMs
  const oLo = offsetAt(tz, lo)
  const oHi = offsetAt(tz, hi)
  const out: number[] = []
  if (oLo === oHi) {
    // The usual day: one offset throughout, one instant per boundary.
    for (const b of boundaries) out.push(date + b * minuteMs - oLo)
  } else {
    for (const b of boundaries) out.push(...instantsAtWallClock(tz, date + b * minuteMs))
    out.push(...offsetChanges(tz, lo, hi))
  }
  return out
}

/** Minutes of the weekday covered by its intervals (0 on a day off). */
function openMinutes (settings: WorkingHoursSettings, weekday: number): number {
  if (settings.daysOff.includes(weekdays[weekday])) return 0
  const covered = new Array<boolean>(1440).fill(false)
  for (const i of intervalsOf(settings, weekday)) covered.fill(true, i.from, i.to)
  return covered.filter(Boolean).length
}

/** First instant strictly after `from` at which the state becomes `open` (was the other just before). */
function nextChange (settings: WorkingHoursSettings, from: Date | number, open: boolean): Date | null {
  if (!settings.enabled) return null
  // Answer the never-open and always-open weeks without scanning 400 days.
  if (open && weekdays.every((_, i) => openMinutes(settings, i) === 0)) return null
  if (!open && settings.holidays.length === 0 && weekdays.every((_, i) => openMinutes(settings, i) === 1440)) return null
  const fromMs = typeof from === 'number' ? from : from.getTime()
  const l = localDateTime(settings.timezone, fromMs)
  // Start a day early: near midnight on a DST day the previous date's instants can still lie ahead.
  const first = Date.UTC(l.year, l.month - 1, l.day) - dayMs
  let pending = candidateInstants(settings, first)
  for (let i = 1; i <= searchDays + 1; i++) {
    // Instants of date i-1 may interleave with those of date i (a repeated hour at midnight) but
    // never with date i+1's: a change found among date i-1's is final once date i is known too.
    const following = candidateInstants(settings, first + i * dayMs)
    const settled = new Set(pending)
    const window = [...new Set([...pending, ...following])].filter(t => t > fromMs).sort((a, b) => a - b)
    for (const t of window) {
      if (isOpenAt(settings, t) === open && isOpenAt(settings, t - 1) !== open) {
        if (settled.has(t)) return new Date(t)
        break // the earliest change is on date i: confirm it in the next round
      }
    }
    pending = following
  }
  return null
}

/** The next instant after `from` at which the channel opens, or null (disabled, or not within ~400 days). */
export function nextOpening (settings: WorkingHoursSettings, from: Date | number): Date | null {
  return nextChange(settings, from, true)
}

/** The next instant after `from` at which the channel closes, or null (disabled, or open for ~400 days). */
export function nextClosing (settings: WorkingHoursSettings, from: Date | number): Date | null {
  return nextChange(settings, from, false)
}

// ---------------------------------------------------------------------------------------------
// Text for templates

function weekdayNames (locale: string): string[] {
  let resolved = 'en'
  try {
    resolved = Intl.DateTimeFormat.supportedLocalesOf([locale])[0] ?? 'en'
  } catch {
    resolved = 'en'
  }
  const f = new Intl.DateTimeFormat(resolved, { weekday: 'short', timeZone: 'UTC' })
  // 2024-01-01 was a Monday.
  return weekdays.map((_, i) => {
    const name = f.format(Date.UTC(2024, 0, 1 + i))
    return name.charAt(0).toLocaleUpperCase(resolved) + name.slice(1)
  })
}

/**
 * The week in a few words, for templates: "Mon–Fri 09:00–18:00", "Mon–Fri 09:00–13:00, 14:00–18:00;
 * Sat 10:00–14:00". Days off and days without intervals are left out; consecutive days with the
 * same hours are joined. Weekday names follow `locale`; times are always 24-hour HH:MM. Empty
 * when the week has no open day. Holidays are not described.
 */
export function describeHours (settings: WorkingHoursSettings, locale: string): string {
  const names = weekdayNames(locale)
  const hoursOf = (i: number): string => {
    if (settings.daysOff.includes(weekdays[i])) return ''
    return [...settings.week[weekdays[i]]]
      .sort((a, b) => minutesOf(a.from) - minutesOf(b.from))
      .map(x => `${x.from}–${x.to}`).join(', ')
  }
  const groups: { start: number, end: number, hours: string }[] = []
  for (let i = 0; i < 7; i++) {
    const hours = hoursOf(i)
    const last = groups.at(-1)
    if (last !== undefined && last.end === i - 1 && last.hours === hours) last.end = i
    else groups.push({ start: i, end: i, hours })
  }
  return groups
    .filter(g => g.hours !== '')
    .map(g => `${g.start === g.end ? names[g.start] : `${names[g.start]}–${names[g.end]}`} ${g.hours}`)
    .join('; ')
}
