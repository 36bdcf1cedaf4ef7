// The plugin's rows: questions asked (`ratings_requests`) and ratings given (`ratings_scores`).
// Every function takes the caller's transaction (or a plain reader for `loadRatings`).
import type { Id, Tx } from '@openline/sdk'
import type { RatingValue } from './answer.ts'

export type Query = <Row = Record<string, any>>(sql: string, params?: unknown[]) => Promise<Row[]>

export interface ClientRating {
  value: RatingValue
  source: 'button' | 'text'
  at: Date
}

export interface SupervisorRating {
  stars: number
  comment: string | null
  byUserId: Id | null
  byName: string | null
  at: Date
}

/** What `Conversation.rating` shows. */
export interface ConversationRating {
  conversationId: Id
  askedAt: Date | null
  expiresAt: Date | null
  client: ClientRating | null
  supervisor: SupervisorRating | null
}

export interface RatingRequest {
  conversationId: Id
  kind: 'during' | 'end'
  mode: 'buttons' | 'text'
  askedAt: Date
  expiresAt: Date | null
}

/** Text answers without a time limit still count only this long after the question. */
export const textAnswerWindowDays = 7

/**
 * Claim the question for a conversation. `end` is asked once (a repeated close event finds it
 * claimed) but replaces an earlier `during` question; `during` replaces whatever was asked.
 * Returns false when nothing was claimed. The time limit runs from now.
 */
export async function claimRequest (tx: Tx, input: { conversationId: Id, kind: 'during' | 'end', mode: 'buttons' | 'text', limitMs: number | null }): Promise<boolean> {
  const rows = await tx.query(
    `insert into ratings_requests as r (conversation_id, kind, mode, expires_at)
     values (?, ?, ?, now() + ?::bigint * interval '1 millisecond')
     on conflict (conversation_id) do update set kind = excluded.kind, mode = excluded.mode, asked_at = now(), expires_at = excluded.expires_at, message_id = null
       where r.kind = 'during' or excluded.kind = 'during'
     returning conversation_id`, [input.conversationId, input.kind, input.mode, input.limitMs])
  return rows.length > 0
}

export async function setRequestMessage (tx: Tx, conversationId: Id, messageId: Id): Promise<void> {
  await tx.query('update ratings_requests set message_id = ? where conversation_id = ?', [messageId, conversationId])
}

function toRequest (row: Record<string, any>): RatingRequest {
  return { conversationId: String(row.conversation_id), kind: row.kind, mode: row.mode, askedAt: new Date(row.asked_at), expiresAt: row.expires_at === null ? null : new Date(row.expires_at) }
}

export async function requestOf (tx: Tx, conversationId: Id): Promise<RatingRequest | null> {
  const [row] = await tx.query('select conversation_id::text, kind, mode, asked_at, expires_at from ratings_requests where conversation_id = ?', [conversationId])
  return row === undefined ? null : toRequest(row)
}

/**
 * The client's latest question on this connection that a typed answer sent at `at` can answer:
 * asked as text, before `at`, not yet rated, within its time limit (or the text window).
 */
export async function pendingTextRequest (tx: Tx, input: { clientId: Id, connectionId: Id, at: Date }): Promise<RatingRequest | null> {
  const [row] = await tx.query(
    `select r.conversation_id::text, r.kind, r.mode, r.asked_at, r.expires_at
       from ratings_requests r
       join conversations c on c.id = r.conversation_id
       left join ratings_scores s on s.conversation_id = r.conversation_id
      where c.client_id = ? and c.connection_id = ? and r.mode = 'text' and s.client_value is null
        and r.asked_at <= ? and ? <= coalesce(r.expires_at, r.asked_at + interval '${textAnswerWindowDays} days')
      order by r.asked_at desc, r.conversation_id desc
      limit 1`, [input.clientId, input.connectionId, input.at, input.at])
  return row === undefined ? null : toRequest(row)
}

export async function clientRated (tx: Tx, conversationId: Id): Promise<boolean> {
  const rows = await tx.query('select 1 from ratings_scores where conversation_id = ? and client_value is not null', [conversationId])
  return rows.length > 0
}

/** Store the client's rating unless one is stored already (the first valid answer wins). Returns whether it was stored now. */
export async function recordClientRating (tx: Tx, input: { conversationId: Id, value: RatingValue, source: 'button' | 'text', messageId: Id, at: Date }): Promise<boolean> {
  const rows = await tx.query(
    `insert into ratings_scores as s (conversation_id, client_value, client_source, client_message_id, client_rated_at) values (?, ?, ?, ?, ?)
     on conflict (conversation_id) do update set client_value = excluded.client_value, client_source = excluded.client_source,
       client_message_id = excluded.client_message_id, client_rated_at = excluded.client_rated_at
       where s.client_value is null
     returning conversation_id`, [input.conversationId, input.value, input.source, input.messageId, input.at])
  return rows.length > 0
}

/** Store (or replace) the supervisor's stars; the latest author and time are kept. */
export async function recordStars (tx: Tx, input: { conversationId: Id, stars: number, comment: string | null, userId: Id }): Promise<void> {
  await tx.query(
    `insert into ratings_scores (conversation_id, stars, comment, stars_by_id, stars_at) values (?, ?, ?, ?, now())
     on conflict (conversation_id) do update set stars = excluded.stars, comment = excluded.comment, stars_by_id = excluded.stars_by_id, stars_at = excluded.stars_at`,
    [input.conversationId, input.stars, input.comment, input.userId])
}

function toRating (row: Record<string, any>): ConversationRating {
  return {
    conversationId: String(row.conversation_id),
    askedAt: row.asked_at === null ? null : new Date(row.asked_at),
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    client: row.client_value === null ? null : { value: row.client_value, source: row.client_source, at: new Date(row.client_rated_at) },
    supervisor: row.stars === null ? null : { stars: Number(row.stars), comment: row.comment, byUserId: row.stars_by_id, byName: row.stars_by_name, at: new Date(row.stars_at) }
  }
}

/** The ratings of many conversations in one query; conversations never asked nor rated are absent. */
export async function loadRatings (query: Query, ids: readonly Id[]): Promise<Map<Id, ConversationRating>> {
  if (ids.length === 0) return new Map()
  const rows = await query(
    `select x.id::text as conversation_id, r.asked_at, r.expires_at, s.client_value, s.client_source, s.client_rated_at,
            s.stars, s.comment, s.stars_by_id::text, u.name as stars_by_name, s.stars_at
       from unnest(?::bigint[]) as x(id)
       left join ratings_requests r on r.conversation_id = x.id
       left join ratings_scores s on s.conversation_id = x.id
       left join users u on u.id = s.stars_by_id
      where r.conversation_id is not null or s.conversation_id is not null`, [`{${ids.join(',')}}`])
  return new Map(rows.map(row => [String(row.conversation_id), toRating(row)]))
}
