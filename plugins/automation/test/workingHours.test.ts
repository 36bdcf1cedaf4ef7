import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import {
  describeHours, isOpenAt, nextClosing, nextOpening, normalizeWorkingHours, parseHoliday, validateWorkingHours,
  workingHoursDefaults, workingHoursSchema, type Interval, type WorkingHoursSettings
} from '../src/workingHours.ts'
import { instantsAtWallClock, isKnownTimeZone, localDateTime, offsetChanges } from '../src/zonedTime.ts'

type Week = WorkingHoursSettings['week']
const none: Interval[] = []
const office: Interval[] = [{ from: '09:00', to: '18:00' }]
const emptyWeek: Week = { mon: none, tue: none, wed: none, thu: none, fri: none, sat: none, sun: none }

/** Enabled settings: defaults (Mon–Fri 09–18, Sat/Sun off) with `patch` applied; `days` overrides single weekdays. */
function hours (patch: Partial<WorkingHoursSettings> & { days?: Partial<Week> } = {}): WorkingHoursSettings {
  const { days, ...rest } = patch
  const base = normalizeWorkingHours({ enabled: true, ...rest })
  return { ...base, week: { ...base.week, ...days } }
}

const at = (iso: string): Date => new Date(iso)
const iso = (d: Date | null): string | null => d === null ? null : d.toISOString()

t.test('the defaults: disabled, Mon–Fri 09:00–18:00 UTC, Sat and Sun off, no holidays', async (t) => {
  const d = Value.Default(workingHoursSchema, {}) as WorkingHoursSettings
  t.same(d, workingHoursDefaults)
  t.equal(d.enabled, false)
  t.same(d.week.mon, office)
  t.same(d.week.sat, [])
  t.same(d.holidays, [])
  t.ok(Value.Check(workingHoursSchema, d))
  t.same(validateWorkingHours(d), [])
  t.same(normalizeWorkingHours(undefined), workingHoursDefaults, 'nothing stored: defaults')
  t.same(normalizeWorkingHours({ enabled: true, week: { mon: [] } }).week.tue, office, 'missing days take their defaults')
})

t.test('disabled working hours: always open, no changes ahead', async (t) => {
  const s = hours({ enabled: false, holidays: ['31.12'] })
  t.equal(isOpenAt(s, at('2026-12-31T03:00:00Z')), true)
  t.equal(isOpenAt(s, at('2026-03-07T12:00:00Z')), true, 'a Saturday')
  t.equal(nextOpening(s, at('2026-03-07T12:00:00Z')), null)
  t.equal(nextClosing(s, at('2026-03-07T12:00:00Z')), null)
})

t.test('a plain office week in UTC', async (t) => {
  const s = hours()
  // 2026-03-02 is a Monday.
  t.equal(localDateTime('UTC', at('2026-03-02T12:00:00Z')).weekday, 0)
  t.equal(isOpenAt(s, at('2026-03-02T08:59:59.999Z')), false)
  t.equal(isOpenAt(s, at('2026-03-02T09:00:00Z')), true, 'from is inclusive')
  t.equal(isOpenAt(s, at('2026-03-02T17:59:59.999Z')), true)
  t.equal(isOpenAt(s, at('2026-03-02T18:00:00Z')), false, 'to is exclusive')
  t.equal(isOpenAt(s, at('2026-03-07T12:00:00Z')), false, 'Saturday is a day off')
  t.equal(iso(nextOpening(s, at('2026-03-02T07:00:00Z'))), '2026-03-02T09:00:00.000Z')
  t.equal(iso(nextClosing(s, at('2026-03-02T07:00:00Z'))), '2026-03-02T18:00:00.000Z')
  t.equal(iso(nextOpening(s, at('2026-03-06T18:00:00Z'))), '2026-03-09T09:00:00.000Z', 'Friday evening → Monday morning')
  t.equal(iso(nextOpening(s, at('2026-03-02T09:00:00Z'))), '2026-03-03T09:00:00.000Z', 'strictly after: opening at `from` is not "next"')
  t.equal(iso(nextClosing(s, at('2026-03-02T18:00:00Z'))), '2026-03-03T18:00:00.000Z')
})

t.test('split shifts', async (t) => {
  const s = hours({ days: { mon: [{ from: '13:00', to: '18:00' }, { from: '09:00', to: '12:00' }] } })
  t.equal(isOpenAt(s, at('2026-03-02T10:00:00Z')), true)
  t.equal(isOpenAt(s, at('2026-03-02T12:30:00Z')), false, 'lunch break')
  t.equal(isOpenAt(s, at('2026-03-02T13:00:00Z')), true)
  t.equal(iso(nextClosing(s, at('2026-03-02T10:00:00Z'))), '2026-03-02T12:00:00.000Z')
  t.equal(iso(nextOpening(s, at('2026-03-02T12:00:00Z'))), '2026-03-02T13:00:00.000Z')
  t.equal(iso(nextClosing(s, at('2026-03-02T12:00:00Z'))), '2026-03-02T18:00:00.000Z')
  // Touching intervals are one opening, not a close and reopen.
  const touching = hours({ days: { mon: [{ from: '09:00', to: '12:00' }, { from: '12:00', to: '18:00' }] } })
  t.same(validateWorkingHours(touching), [])
  t.equal(iso(nextClosing(touching, at('2026-03-02T10:00:00Z'))), '2026-03-02T18:00:00.000Z')
})

t.test('24:00 closes at midnight and joins the next day\'s 00:00', async (t) => {
  const s = hours({ daysOff: [], days: { ...emptyWeek, mon: [{ from: '20:00', to: '24:00' }], tue: [{ from: '00:00', to: '02:00' }] } })
  t.same(validateWorkingHours(s), [])
  t.equal(isOpenAt(s, at('2026-03-02T23:59:59Z')), true)
  t.equal(isOpenAt(s, at('2026-03-03T00:00:00Z')), true)
  t.equal(isOpenAt(s, at('2026-03-03T02:00:00Z')), false)
  t.equal(iso(nextClosing(s, at('2026-03-02T21:00:00Z'))), '2026-03-03T02:00:00.000Z', 'no close at midnight')
  t.equal(iso(nextOpening(s, at('2026-03-03T03:00:00Z'))), '2026-03-09T20:00:00.000Z')
  const lateOnly = hours({ daysOff: [], days: { ...emptyWeek, fri: [{ from: '22:00', to: '24:00' }] } })
  t.equal(iso(nextClosing(lateOnly, at('2026-03-06T22:30:00Z'))), '2026-03-07T00:00:00.000Z')
  t.equal(isOpenAt(lateOnly, at('2026-03-07T00:00:00Z')), false)
})

t.test('always open and never open', async (t) => {
  const full: Interval[] = [{ from: '00:00', to: '24:00' }]
  const always = hours({ daysOff: [], days: { mon: full, tue: full, wed: full, thu: full, fri: full, sat: full, sun: full } })
  t.equal(isOpenAt(always, at('2026-03-07T03:00:00Z')), true)
  t.equal(nextClosing(always, at('2026-03-07T03:00:00Z')), null)
  t.equal(nextOpening(always, at('2026-03-07T03:00:00Z')), null)
  const withHoliday = { ...always, holidays: ['2026-03-10'] }
  t.equal(iso(nextClosing(withHoliday, at('2026-03-07T03:00:00Z'))), '2026-03-10T00:00:00.000Z')
  t.equal(iso(nextOpening(withHoliday, at('2026-03-07T03:00:00Z'))), '2026-03-11T00:00:00.000Z')
  const never = hours({ daysOff: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] })
  t.equal(isOpenAt(never, at('2026-03-02T10:00:00Z')), false)
  t.equal(nextOpening(never, at('2026-03-02T10:00:00Z')), null)
  t.equal(nextClosing(never, at('2026-03-02T10:00:00Z')), null)
  const noIntervals = hours({ daysOff: [], days: { ...emptyWeek } })
  t.equal(nextOpening(noIntervals, at('2026-03-02T10:00:00Z')), null)
  // Open on one weekday that is always a holiday: the scan gives up after ~400 days.
  const blocked = hours({ daysOff: [], days: { ...emptyWeek, mon: office }, holidays: [] })
  const everyMonday = [] as string[]
  for (let d = Date.UTC(2026, 2, 2); d < Date.UTC(2027, 4, 1); d += 7 * 86_400_000) everyMonday.push(new Date(d).toISOString().slice(0, 10))
  t.equal(nextOpening({ ...blocked, holidays: everyMonday }, at('2026-03-01T10:00:00Z')), null)
})

t.test('weekday hours far ahead are found (search window ~400 days)', async (t) => {
  const s = hours({ daysOff: [], days: { ...emptyWeek, mon: office }, holidays: [] })
  // Every Monday of the next year is a dated holiday except one 360 days ahead.
  const mondays: string[] = []
  for (let d = Date.UTC(2026, 2, 2); d < Date.UTC(2027, 1, 20); d += 7 * 86_400_000) mondays.push(new Date(d).toISOString().slice(0, 10))
  const last = mondays.pop()!
  const closed = { ...s, holidays: mondays }
  t.same(validateWorkingHours(closed), [])
  t.equal(iso(nextOpening(closed, at('2026-03-01T00:00:00Z'))), `${last}T09:00:00.000Z`)
})

t.test('holidays: recurring dd.mm and dated yyyy-mm-dd close the whole local day', async (t) => {
  const s = hours({ holidays: ['31.12', '01.01', '2026-06-04', '29.02'] })
  t.same(validateWorkingHours(s), [])
  t.equal(isOpenAt(s, at('2026-12-31T10:00:00Z')), false, '31.12 in 2026 (Thursday)')
  t.equal(isOpenAt(s, at('2027-12-31T10:00:00Z')), false, '31.12 in 2027 (Friday)')
  t.equal(isOpenAt(s, at('2026-12-30T10:00:00Z')), true)
  t.equal(isOpenAt(s, at('2026-06-04T10:00:00Z')), false, 'the dated holiday')
  t.equal(isOpenAt(s, at('2027-06-04T10:00:00Z')), true, 'a dated holiday does not recur')
  t.equal(isOpenAt(s, at('2028-02-29T10:00:00Z')), false, '29.02 in a leap year (Tuesday)')
  t.equal(isOpenAt(s, at('2028-03-01T10:00:00Z')), true)
  // Wednesday 30.12 evening → Thu 31.12 and Fri 01.01 holidays, weekend → Monday 04.01.
  t.equal(iso(nextOpening(s, at('2026-12-30T18:00:00Z'))), '2027-01-04T09:00:00.000Z')
  // The holiday is a local date: in Moscow (UTC+3) 31.12 starts at 21:00 UTC on 30.12.
  const moscow = hours({ timezone: 'Europe/Moscow', daysOff: [], days: { ...emptyWeek, wed: [{ from: '00:00', to: '24:00' }], thu: [{ from: '00:00', to: '24:00' }] }, holidays: ['31.12'] })
  t.equal(isOpenAt(moscow, at('2026-12-30T20:59:59Z')), true)
  t.equal(isOpenAt(moscow, at('2026-12-30T21:00:00Z')), false)
  t.equal(iso(nextClosing(moscow, at('2026-12-30T12:00:00Z'))), '2026-12-30T21:00:00.000Z')
})

t.test('days off override the day\'s intervals', async (t) => {
  const s = hours({ daysOff: ['sat'], days: { sat: [{ from: '10:00', to: '14:00' }], sun: [{ from: '10:00', to: '14:00' }] } })
  t.equal(isOpenAt(s, at('2026-03-07T11:00:00Z')), false, 'Saturday: day off')
  t.equal(isOpenAt(s, at('2026-03-08T11:00:00Z')), true, 'Sunday: has hours, not off')
  t.equal(iso(nextOpening(s, at('2026-03-06T18:00:00Z'))), '2026-03-08T10:00:00.000Z')
})

t.test('Europe/Warsaw around the DST changes of 2026', async (t) => {
  const s = hours({ timezone: 'Europe/Warsaw' })
  // Friday 27.03 is CET (+1), Monday 30.03 is CEST (+2).
  t.equal(isOpenAt(s, at('2026-03-27T08:00:00Z')), true, 'Fri 09:00 CET')
  t.equal(isOpenAt(s, at('2026-03-30T07:00:00Z')), true, 'Mon 09:00 CEST')
  t.equal(isOpenAt(s, at('2026-03-30T06:59:59Z')), false)
  t.equal(iso(nextOpening(s, at('2026-03-27T17:00:00Z'))), '2026-03-30T07:00:00.000Z')
  t.equal(iso(nextClosing(s, at('2026-03-30T08:00:00Z'))), '2026-03-30T16:00:00.000Z')
  // Autumn: Friday 23.10 CEST, Monday 26.10 CET.
  t.equal(iso(nextOpening(s, at('2026-10-23T16:00:00Z'))), '2026-10-26T08:00:00.000Z')

  // Spring forward on Sunday 29.03: 02:00 CET → 03:00 CEST (01:00 UTC); 02:30 never happens.
  t.same(instantsAtWallClock('Europe/Warsaw', Date.UTC(2026, 2, 29, 2, 30)), [], 'no instant reads 02:30')
  t.same(offsetChanges('Europe/Warsaw', Date.UTC(2026, 2, 28, 12), Date.UTC(2026, 2, 29, 12)), [Date.UTC(2026, 2, 29, 1)])
  const gap = hours({ timezone: 'Europe/Warsaw', daysOff: [], days: { ...emptyWeek, sun: [{ from: '02:30', to: '04:00' }] } })
  t.equal(isOpenAt(gap, at('2026-03-29T00:59:59Z')), false, '01:59:59 CET')
  t.equal(isOpenAt(gap, at('2026-03-29T01:00:00Z')), true, '03:00 CEST: past 02:30 already')
  t.equal(iso(nextOpening(gap, at('2026-03-28T12:00:00Z'))), '2026-03-29T01:00:00.000Z', 'opens when the clock jumps past 02:30')
  t.equal(iso(nextClosing(gap, at('2026-03-28T12:00:00Z'))), '2026-03-29T02:00:00.000Z', '04:00 CEST')
  // An interval wholly inside the skipped hour never opens that day.
  const lost = hours({ timezone: 'Europe/Warsaw', daysOff: [], days: { ...emptyWeek, sun: [{ from: '02:10', to: '02:50' }] } })
  t.equal(iso(nextOpening(lost, at('2026-03-28T12:00:00Z'))), '2026-04-05T00:10:00.000Z', 'the next Sunday instead')
  // A whole Sunday lasts 23 hours.
  const sunday = hours({ timezone: 'Europe/Warsaw', daysOff: [], days: { ...emptyWeek, sun: [{ from: '00:00', to: '24:00' }] } })
  t.equal(iso(nextOpening(sunday, at('2026-03-28T12:00:00Z'))), '2026-03-28T23:00:00.000Z')
  t.equal(iso(nextClosing(sunday, at('2026-03-28T12:00:00Z'))), '2026-03-29T22:00:00.000Z')

  // Fall back on Sunday 25.10: 03:00 CEST → 02:00 CET (01:00 UTC); 02:00–03:00 happens twice.
  t.same(instantsAtWallClock('Europe/Warsaw', Date.UTC(2026, 9, 25, 2, 30)), [Date.UTC(2026, 9, 25, 0, 30), Date.UTC(2026, 9, 25, 1, 30)])
  const twice = hours({ timezone: 'Europe/Warsaw', daysOff: [], days: { ...emptyWeek, sun: [{ from: '02:30', to: '02:45' }] } })
  t.equal(iso(nextOpening(twice, at('2026-10-24T12:00:00Z'))), '2026-10-25T00:30:00.000Z', 'first 02:30 (CEST)')
  t.equal(iso(nextClosing(twice, at('2026-10-25T00:30:00Z'))), '2026-10-25T00:45:00.000Z')
  t.equal(iso(nextOpening(twice, at('2026-10-25T00:45:00Z'))), '2026-10-25T01:30:00.000Z', 'second 02:30 (CET)')
  t.equal(iso(nextClosing(twice, at('2026-10-25T01:30:00Z'))), '2026-10-25T01:45:00.000Z')
  t.equal(isOpenAt(twice, at('2026-10-25T01:00:00Z')), false, '02:00 CET')
  const night = hours({ timezone: 'Europe/Warsaw', daysOff: [], days: { ...emptyWeek, sun: [{ from: '01:00', to: '03:00' }] } })
  t.equal(iso(nextOpening(night, at('2026-10-24T12:00:00Z'))), '2026-10-24T23:00:00.000Z', '01:00 CEST')
  t.equal(iso(nextClosing(night, at('2026-10-24T23:30:00Z'))), '2026-10-25T02:00:00.000Z', '03:00 CET: three real hours')
  t.equal(isOpenAt(night, at('2026-10-25T01:15:00Z')), true, 'the repeated 02:15 is open too')
})

t.test('Europe/Moscow has no DST: the same UTC times on both sides of the European changes', async (t) => {
  const s = hours({ timezone: 'Europe/Moscow' })
  t.equal(iso(nextOpening(s, at('2026-03-27T16:00:00Z'))), '2026-03-30T06:00:00.000Z')
  t.equal(iso(nextOpening(s, at('2026-10-23T16:00:00Z'))), '2026-10-26T06:00:00.000Z')
  t.same(offsetChanges('Europe/Moscow', Date.UTC(2026, 2, 28), Date.UTC(2026, 2, 30)), [])
  t.same(offsetChanges('Europe/Moscow', Date.UTC(2026, 9, 24), Date.UTC(2026, 9, 26)), [])
  t.equal(isOpenAt(s, at('2026-10-26T14:59:59Z')), true, '17:59:59 MSK')
  t.equal(isOpenAt(s, at('2026-10-26T15:00:00Z')), false, '18:00 MSK')
})

t.test('America/Sao_Paulo: UTC−3 all year now, DST changes at midnight in the past', async (t) => {
  const s = hours({ timezone: 'America/Sao_Paulo' })
  t.equal(iso(nextOpening(s, at('2026-03-02T00:00:00Z'))), '2026-03-02T12:00:00.000Z')
  t.equal(iso(nextOpening(s, at('2026-10-30T22:00:00Z'))), '2026-11-02T12:00:00.000Z', 'no summer time since 2019')
  t.equal(isOpenAt(s, at('2026-03-02T20:59:00Z')), true, '17:59 local')
  t.equal(isOpenAt(s, at('2026-03-02T21:00:00Z')), false)
  // 04.11.2018: midnight did not exist (00:00 → 01:00, UTC−3 → UTC−2).
  const skipped = hours({ timezone: 'America/Sao_Paulo', daysOff: [], days: { ...emptyWeek, sun: [{ from: '00:00', to: '02:00' }] } })
  t.equal(iso(nextOpening(skipped, at('2018-11-03T12:00:00Z'))), '2018-11-04T03:00:00.000Z', '01:00 UTC−2, the first instant of that Sunday')
  t.equal(iso(nextClosing(skipped, at('2018-11-03T12:00:00Z'))), '2018-11-04T04:00:00.000Z', '02:00 UTC−2: one real hour')
  // 17.02.2019: midnight → Saturday 23:00 again (UTC−2 → UTC−3); Saturday 23:00–24:00 lasts two hours.
  const repeated = hours({ timezone: 'America/Sao_Paulo', daysOff: [], days: { ...emptyWeek, sat: [{ from: '23:00', to: '24:00' }] } })
  t.equal(iso(nextOpening(repeated, at('2019-02-16T12:00:00Z'))), '2019-02-17T01:00:00.000Z', 'Sat 23:00 UTC−2')
  t.equal(isOpenAt(repeated, at('2019-02-17T02:30:00Z')), true, 'Sat 23:30 UTC−3, the second time')
  t.equal(iso(nextClosing(repeated, at('2019-02-17T01:30:00Z'))), '2019-02-17T03:00:00.000Z', 'Sunday 00:00 UTC−3')
})

t.test('Pacific/Auckland: the local day is ahead of UTC across the date line', async (t) => {
  const s = hours({ timezone: 'Pacific/Auckland' })
  // Monday 02.03.2026 09:00 NZDT (+13) is Sunday 01.03 20:00 UTC.
  t.equal(isOpenAt(s, at('2026-03-01T20:00:00Z')), true, 'a Sunday in UTC, Monday in Auckland')
  t.equal(isOpenAt(s, at('2026-03-06T20:00:00Z')), false, 'a Friday in UTC, Saturday in Auckland')
  t.equal(iso(nextOpening(s, at('2026-03-06T05:00:00Z'))), '2026-03-08T20:00:00.000Z', 'Fri 18:00 NZDT → Mon 09:00 NZDT')
  // DST ends Sunday 05.04.2026 03:00 → 02:00 (+13 → +12): Monday 06.04 09:00 NZST is 05.04 21:00 UTC.
  t.equal(iso(nextOpening(s, at('2026-04-03T05:00:00Z'))), '2026-04-05T21:00:00.000Z')
  // DST starts Sunday 27.09.2026 02:00 → 03:00 (+12 → +13): Monday 28.09 09:00 NZDT is 27.09 20:00 UTC.
  t.equal(iso(nextOpening(s, at('2026-09-25T06:00:00Z'))), '2026-09-27T20:00:00.000Z')
  const holiday = hours({ timezone: 'Pacific/Auckland', holidays: ['2026-03-02'] })
  t.equal(isOpenAt(holiday, at('2026-03-01T20:00:00Z')), false, 'the holiday is Auckland\'s 02.03')
  t.equal(iso(nextOpening(holiday, at('2026-03-01T12:00:00Z'))), '2026-03-02T20:00:00.000Z')
})

// Brute force: read the state every minute and compare each change with nextOpening/nextClosing.
t.test('next changes agree with a minute-by-minute scan around DST changes', async (t) => {
  const weeks: { name: string, patch: Partial<WorkingHoursSettings> & { days?: Partial<Week> } }[] = [
    { name: 'office', patch: {} },
    { name: 'night shifts', patch: { daysOff: [], days: { mon: [{ from: '00:00', to: '02:30' }, { from: '22:00', to: '24:00' }], tue: [{ from: '00:00', to: '03:00' }], sat: [{ from: '01:30', to: '02:45' }, { from: '23:00', to: '24:00' }], sun: [{ from: '00:00', to: '03:15' }, { from: '12:00', to: '12:01' }] } } },
    { name: 'holidays', patch: { daysOff: ['wed'], holidays: ['29.03', '2026-10-24', '06.04'], days: { sat: office, sun: [{ from: '02:00', to: '03:00' }] } } }
  ]
  const cases: { tz: string, start: string }[] = [
    { tz: 'Europe/Warsaw', start: '2026-03-26T00:00:00Z' },
    { tz: 'Europe/Warsaw', start: '2026-10-22T00:00:00Z' },
    { tz: 'Europe/Moscow', start: '2026-03-26T00:00:00Z' },
    { tz: 'America/Sao_Paulo', start: '2019-02-14T00:00:00Z' },
    { tz: 'America/Sao_Paulo', start: '2018-11-01T00:00:00Z' },
    { tz: 'Pacific/Auckland', start: '2026-04-02T00:00:00Z' },
    { tz: 'Pacific/Auckland', start: '2026-09-24T00:00:00Z' },
    { tz: 'America/New_York', start: '2026-03-06T00:00:00Z' },
    { tz: 'Asia/Kathmandu', start: '2026-03-26T00:00:00Z' }
  ]
  for (const { tz, start } of cases) {
    for (const week of weeks) {
      const s = hours({ ...week.patch, timezone: tz })
      const from = at(start).getTime()
      const end = from + 7 * 86_400_000
      let state = isOpenAt(s, from)
      let opening = nextOpening(s, from)
      let closing = nextClosing(s, from)
      let changes = 0
      let mismatch = ''
      for (let m = from + 60_000; m <= end && mismatch === ''; m += 60_000) {
        const now = isOpenAt(s, m)
        if (now === state) continue
        changes++
        const expected = now ? opening : closing
        if (expected?.getTime() !== m) mismatch = `${now ? 'opening' : 'closing'} at ${new Date(m).toISOString()}, predicted ${iso(expected)}`
        state = now
        if (now) opening = nextOpening(s, m)
        else closing = nextClosing(s, m)
      }
      t.equal(mismatch, '', `${tz} ${start} ${week.name}`)
      t.ok(changes > 0, `${tz} ${start} ${week.name}: some changes seen`)
      // What is still predicted lies beyond the scanned week.
      if (opening !== null) t.ok(opening.getTime() > end, `${tz} ${start} ${week.name}: next opening after the week`)
      if (closing !== null) t.ok(closing.getTime() > end, `${tz} ${start} ${week.name}: next closing after the week`)
    }
  }
})

t.test('validation: each problem with its field path', async (t) => {
  const ok = hours({ timezone: 'Europe/Warsaw' })
  t.same(validateWorkingHours(ok), [])
  const paths = (s: WorkingHoursSettings): string[] => validateWorkingHours(s).map(e => e.path)

  t.same(paths({ ...ok, timezone: 'Mars/Olympus_Mons' }), ['/timezone'])
  t.same(paths({ ...ok, timezone: '+03:00' }), ['/timezone'], 'an offset is not a zone')
  t.same(paths({ ...ok, timezone: 'Europe/Warsaw ' }), ['/timezone'])
  t.same(paths({ ...ok, timezone: 'UTC' }), [], 'UTC is fine although Intl does not list it')
  t.ok(isKnownTimeZone('Asia/Kolkata') && isKnownTimeZone('Asia/Calcutta') && isKnownTimeZone('America/Sao_Paulo'))

  t.same(paths(hours({ days: { mon: [{ from: '18:00', to: '09:00' }] } })), ['/week/mon/0/to'], 'from after to')
  t.same(paths(hours({ days: { tue: [{ from: '09:00', to: '09:00' }] } })), ['/week/tue/0/to'], 'empty interval')
  t.same(paths(hours({ days: { wed: [{ from: '09:00', to: '12:00' }, { from: '11:30', to: '14:00' }] } })), ['/week/wed/1'], 'overlap')
  t.same(paths(hours({ days: { wed: [{ from: '13:00', to: '18:00' }, { from: '09:00', to: '13:30' }] } })), ['/week/wed/1'], 'overlap reported on the later entry')
  t.same(paths(hours({ days: { thu: [{ from: '08:00', to: '20:00' }, { from: '09:00', to: '10:00' }, { from: '11:00', to: '12:00' }] } })), ['/week/thu/1', '/week/thu/2'], 'each interval inside a long one')
  const dup = validateWorkingHours(hours({ days: { fri: [{ from: '09:00', to: '18:00' }, { from: '09:00', to: '18:00' }] } }))
  t.same(dup.map(e => e.path), ['/week/fri/1'])
  t.match(dup[0].message, /Duplicate/)
  t.same(paths(hours({ daysOff: ['sat', 'sun', 'sat'] })), ['/daysOff/2'])

  t.same(paths(hours({ holidays: ['31.02'] })), ['/holidays/0'], '31.02 does not exist')
  t.same(paths(hours({ holidays: ['30.02', '31.04', '32.01', '00.01', '01.13', '01.00'] })), ['/holidays/0', '/holidays/1', '/holidays/2', '/holidays/3', '/holidays/4', '/holidays/5'])
  t.same(paths(hours({ holidays: ['29.02'] })), [], 'a recurring 29.02 is a leap-day holiday')
  t.same(paths(hours({ holidays: ['2026-02-29'] })), ['/holidays/0'], '2026 is not a leap year')
  t.same(paths(hours({ holidays: ['2028-02-29', '2000-02-29'] })), [], 'leap years')
  t.same(paths(hours({ holidays: ['1900-02-29'] })), ['/holidays/0'])
  t.same(paths(hours({ holidays: ['2026-13-01', '2026-04-31', '31.12', '31.12'] })), ['/holidays/0', '/holidays/1', '/holidays/3'])
  t.same(parseHoliday('31.12'), { day: 31, month: 12, year: null })
  t.same(parseHoliday('2026-05-01'), { day: 1, month: 5, year: 2026 })
  t.match(parseHoliday('31/12'), { error: String })

  t.same(paths(hours({ outOfHours: { reply: true, text: '   ' } })), ['/outOfHours/text'])
  t.same(paths(hours({ outOfHours: { reply: true } })), [], 'no text: the shipped one')

  // Several problems at once, each on its own field.
  t.same(paths(hours({ timezone: 'Nowhere/City', daysOff: ['mon', 'mon'], holidays: ['31.02'], days: { mon: [{ from: '10:00', to: '09:00' }] } })),
    ['/timezone', '/week/mon/0/to', '/daysOff/1', '/holidays/0'])
})

t.test('the schema refuses malformed fields with their paths', async (t) => {
  const errorPaths = (patch: Record<string, unknown>): string[] => {
    const value = Value.Default(workingHoursSchema, { ...structuredClone(workingHoursDefaults), ...patch })
    return [...new Set([...Value.Errors(workingHoursSchema, value)].map(e => e.path))]
  }
  t.same(errorPaths({}), [])
  t.same(errorPaths({ week: { ...workingHoursDefaults.week, mon: [{ from: '9:00', to: '18:00' }] } }), ['/week/mon/0/from'])
  t.same(errorPaths({ week: { ...workingHoursDefaults.week, mon: [{ from: '24:00', to: '24:00' }] } }), ['/week/mon/0/from'], '24:00 only as to')
  t.same(errorPaths({ week: { ...workingHoursDefaults.week, mon: [{ from: '09:00', to: '24:01' }] } }), ['/week/mon/0/to'])
  t.same(errorPaths({ week: { ...workingHoursDefaults.week, mon: [{ from: '09:00', to: '25:00' }] } }), ['/week/mon/0/to'])
  t.same(errorPaths({ week: { ...workingHoursDefaults.week, sun: Array.from({ length: 13 }, () => ({ from: '09:00', to: '10:00' })) } }), ['/week/sun'])
  t.same(errorPaths({ daysOff: ['saturday'] }), ['/daysOff/0'])
  t.same(errorPaths({ holidays: ['31.12.2026'] }), ['/holidays/0'])
  t.same(errorPaths({ holidays: ['1.1'] }), ['/holidays/0'])
  t.same(errorPaths({ outOfHours: { reply: true, text: 'x'.repeat(2001) } }), ['/outOfHours/text'])
  t.same(errorPaths({ outOfHours: { reply: true, text: 'x'.repeat(2000) } }), [])
  t.same(errorPaths({ timezone: '' }), ['/timezone'])
  t.same(errorPaths({ enabled: 'yes' }), ['/enabled'])
})

t.test('describeHours', async (t) => {
  t.equal(describeHours(hours(), 'en'), 'Mon–Fri 09:00–18:00')
  t.equal(describeHours(hours(), 'ru'), 'Пн–Пт 09:00–18:00')
  t.equal(describeHours(hours(), 'xx-invalid-locale-!'), 'Mon–Fri 09:00–18:00', 'unknown locale: English')
  const split = hours({
    daysOff: ['sun'],
    days: { mon: [{ from: '14:00', to: '18:00' }, { from: '09:00', to: '13:00' }], tue: [{ from: '09:00', to: '13:00' }, { from: '14:00', to: '18:00' }], wed: office, sat: [{ from: '10:00', to: '14:00' }], sun: office }
  })
  t.equal(describeHours(split, 'en'), 'Mon–Tue 09:00–13:00, 14:00–18:00; Wed–Fri 09:00–18:00; Sat 10:00–14:00')
  t.equal(describeHours(hours({ daysOff: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] }), 'en'), '')
  t.equal(describeHours(hours({ daysOff: ['wed'] }), 'en'), 'Mon–Tue 09:00–18:00; Thu–Fri 09:00–18:00')
  for (const locale of ['pt-BR', 'es', 'pl']) t.match(describeHours(hours(), locale), /^\S+–\S+ 09:00–18:00$/, locale)
})
