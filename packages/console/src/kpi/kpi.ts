// The KPI plugin's shapes (issue #6, H1–H3) and how the console shows durations.

export interface ConversationKpi {
  firstResponseSec: number | null
  avgResponseSec: number | null
  lateCount: number
  late: boolean
}

export const kpiSelection = 'kpi { firstResponseSec avgResponseSec lateCount late }'

export interface KpiAlert {
  id: string
  conversationId: string
  kind: 'first' | 'later'
  text: string
  createdAt: string
  readAt: string | null
}

export const alertSelection = 'id conversationId kind text createdAt readAt'

export function kpiOf (c: Record<string, unknown>): ConversationKpi | null {
  return (c.kpi ?? null) as ConversationKpi | null
}

/** Seconds as the list and statistics show them: "45 s", "2 min 5 s", "1 h 20 min". */
export function duration (seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—'
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`
  const minutes = Math.round(s / 60)
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}
