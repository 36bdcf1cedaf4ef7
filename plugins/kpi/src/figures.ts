// H3: the KPI figures of a conversation as the list shows them, read from the row the
// subscribers keep up to date, for all conversations of a response at once.
import type { Id } from '@openline/sdk'
import { idArray, type Query } from './db.ts'

export type ClientRatingValue = 'like' | 'dislike'

export interface ConversationKpi {
  firstResponseSec: number | null
  avgResponseSec: number | null
  responseCount: number
  lateCount: number
  late: boolean
  lateSince: Date | null
  waitingSince: Date | null
  resolved: boolean
  /** The client's like or dislike (ratings plugin); null when not rated or without that plugin. */
  rating: ClientRatingValue | null
}

/** Before the plugin saw any message of a conversation. */
export const emptyKpi: ConversationKpi = {
  firstResponseSec: null, avgResponseSec: null, responseCount: 0, lateCount: 0, late: false, lateSince: null, waitingSince: null, resolved: false, rating: null
}

const columns = 'k.first_response_sec, k.response_count, k.response_sec_sum::float8 as response_sec_sum, k.late_count, k.late_since, k.waiting_since, k.resolved'

/**
 * One query for any number of conversations. With the ratings plugin the client's rating comes
 * along, also for a rated conversation the plugin has no row of (one older than the plugin).
 */
export async function loadFigures (read: Query, conversationIds: Id[], withRatings: boolean): Promise<Map<Id, ConversationKpi>> {
  const rows = withRatings
    ? await read<Record<string, any>>(
      `select x.id::text as id, k.conversation_id is not null as tracked, ${columns}, s.client_value as rating
         from unnest(?::bigint[]) as x(id)
         left join kpi_conversations k on k.conversation_id = x.id
         left join ratings_scores s on s.conversation_id = x.id
        where k.conversation_id is not null or s.client_value is not null`, [idArray(conversationIds)])
    : await read<Record<string, any>>(
      `select k.conversation_id::text as id, true as tracked, ${columns}, null as rating
         from kpi_conversations k where k.conversation_id = any(?::bigint[])`, [idArray(conversationIds)])
  return new Map(rows.map(r => [r.id, r.tracked === true ? toKpi(r) : { ...emptyKpi, rating: r.rating }]))
}

function toKpi (r: Record<string, any>): ConversationKpi {
  return {
    firstResponseSec: r.first_response_sec,
    avgResponseSec: r.response_count > 0 ? Math.round(r.response_sec_sum / r.response_count * 10) / 10 : null,
    responseCount: r.response_count,
    lateCount: r.late_count,
    late: r.late_since !== null,
    lateSince: r.late_since === null ? null : new Date(r.late_since),
    waitingSince: r.waiting_since === null ? null : new Date(r.waiting_since),
    resolved: r.resolved,
    rating: r.rating ?? null
  }
}
