// H3: the KPI figures of a conversation as the list shows them, read from the row the
// subscribers keep up to date, for all conversations of a response at once.
import type { Id } from '@openline/sdk'
import { idArray, type Query } from './db.ts'

export interface ConversationKpi {
  firstResponseSec: number | null
  avgResponseSec: number | null
  responseCount: number
  lateCount: number
  late: boolean
  lateSince: Date | null
  waitingSince: Date | null
  resolved: boolean
  /** Placeholder for the client's rating (issue #6, ratings plugin). */
  rating: null
}

/** Before the plugin saw any message of a conversation. */
export const emptyKpi: ConversationKpi = {
  firstResponseSec: null, avgResponseSec: null, responseCount: 0, lateCount: 0, late: false, lateSince: null, waitingSince: null, resolved: false, rating: null
}

/** One query for any number of conversations. */
export async function loadFigures (read: Query, conversationIds: Id[]): Promise<Map<Id, ConversationKpi>> {
  const rows = await read<Record<string, any>>(
    `select conversation_id::text as id, first_response_sec, response_count, response_sec_sum::float8 as response_sec_sum, late_count, late_since, waiting_since, resolved
       from kpi_conversations where conversation_id = any(?::bigint[])`, [idArray(conversationIds)])
  return new Map(rows.map(r => [r.id, {
    firstResponseSec: r.first_response_sec,
    avgResponseSec: r.response_count > 0 ? Math.round(r.response_sec_sum / r.response_count * 10) / 10 : null,
    responseCount: r.response_count,
    lateCount: r.late_count,
    late: r.late_since !== null,
    lateSince: r.late_since === null ? null : new Date(r.late_since),
    waitingSince: r.waiting_since === null ? null : new Date(r.waiting_since),
    resolved: r.resolved,
    rating: null
  }]))
}
