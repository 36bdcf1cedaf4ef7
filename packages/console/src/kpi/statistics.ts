// H3 statistics as the page asks for and shows them: the query, the period presets and labels.

export type GroupBy = 'day' | 'week' | 'month' | 'agent' | 'openChannel'

export interface KpiFigures {
  conversations: number
  answered: number
  resolved: number
  late: number
  resolvedShare: number | null
  responses: number
  firstResponseP50: number | null
  firstResponseP90: number | null
  responseP50: number | null
  responseP90: number | null
  likes: number | null
  dislikes: number | null
}

export interface KpiGroup {
  key: string
  periodStart: string | null
  agentId: string | null
  openChannelId: string | null
  name: string | null
  figures: KpiFigures
}

export interface KpiStatistics { total: KpiFigures, groups: KpiGroup[] }

const figures = 'conversations answered resolved late resolvedShare responses firstResponseP50 firstResponseP90 responseP50 responseP90 likes dislikes'

export const statisticsQuery = `query ConsoleKpiStatistics($from: DateTime!, $to: DateTime!, $oc: ID, $agent: ID, $by: KpiGroupBy, $tz: String) {
  kpiStatistics(from: $from, to: $to, openChannelId: $oc, agentId: $agent, groupBy: $by, timeZone: $tz) {
    total { ${figures} }
    groups { key periodStart agentId openChannelId name figures { ${figures} } }
  }
}`

/** A date input's value (YYYY-MM-DD) of a local date. */
export function dateValue (d: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** Local midnight of a YYYY-MM-DD, `days` later. */
export function startOfDay (value: string, days = 0): Date {
  const [y, m, d] = value.split('-').map(Number)
  return new Date(y, m - 1, d + days)
}

export interface Period { from: string, to: string }

/** Presets; `to` is the last day shown (inclusive). */
export function presetPeriod (preset: 'week' | 'month' | 'thisMonth' | 'lastMonth', today = new Date()): Period {
  const day = (y: number, m: number, d: number): string => dateValue(new Date(y, m, d))
  const [y, m, d] = [today.getFullYear(), today.getMonth(), today.getDate()]
  switch (preset) {
    case 'week': return { from: day(y, m, d - 6), to: day(y, m, d) }
    case 'month': return { from: day(y, m, d - 29), to: day(y, m, d) }
    case 'thisMonth': return { from: day(y, m, 1), to: day(y, m, d) }
    case 'lastMonth': return { from: day(y, m - 1, 1), to: day(y, m, 0) }
  }
}

export function groupLabel (g: KpiGroup, by: GroupBy): string {
  if (by === 'agent' || by === 'openChannel') return g.name ?? (by === 'agent' ? 'Nobody' : `#${g.openChannelId ?? '?'}`)
  if (g.periodStart === null) return g.key
  const d = new Date(g.periodStart)
  return by === 'month' ? d.toLocaleDateString([], { month: 'short', year: 'numeric' }) : d.toLocaleDateString([], { day: 'numeric', month: 'short' })
}

export function percent (share: number | null): string {
  return share === null ? '—' : `${Math.round(share * 1000) / 10}%`
}
