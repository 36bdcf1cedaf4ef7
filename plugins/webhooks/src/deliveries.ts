// The `webhooks_deliveries` table: one row per (event, endpoint), its attempts and their outcome.
import { randomUUID } from 'node:crypto'
import type { Query } from './db.ts'

export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

export interface Delivery {
  id: string
  /** Sent as `X-Openline-Delivery`. */
  uid: string
  webhookId: string
  event: string
  eventId: string
  status: DeliveryStatus
  attempts: number
  lastError: string | null
  responseStatus: number | null
  /** Asked for by an admin (ping, redelivery): sent even while the endpoint is switched off. */
  manual: boolean
  redeliveryOfId: string | null
  createdAt: Date
  lastAttemptAt: Date | null
  /** Null once the delivery is finished. */
  nextAttemptAt: Date | null
  deliveredAt: Date | null
}

export interface NewDelivery {
  webhookId: string
  event: string
  eventId: string
  conversationId: string | null
  body: string
  manual: boolean
  redeliveryOfId: string | null
}

/** A pending delivery locked for one attempt, with what sending it needs. */
export interface DueDelivery {
  id: string
  uid: string
  event: string
  body: string
  manual: boolean
  webhookId: string
  url: string
  secret: string
  active: boolean
}

const columns = `id::text, uid::text, webhook_id::text, event, event_id::text, status, attempts, last_error, response_status, manual,
  redelivery_of::text, created_at, last_attempt_at, next_attempt_at, delivered_at`

function toDelivery (row: Record<string, any>): Delivery {
  return {
    id: row.id,
    uid: row.uid,
    webhookId: row.webhook_id,
    event: row.event,
    eventId: row.event_id,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    responseStatus: row.response_status,
    manual: row.manual,
    redeliveryOfId: row.redelivery_of,
    createdAt: row.created_at,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    deliveredAt: row.delivered_at
  }
}

export async function insertDeliveries (query: Query, deliveries: NewDelivery[]): Promise<Delivery[]> {
  if (deliveries.length === 0) return []
  const params: unknown[] = []
  const values = deliveries.map(d => {
    params.push(randomUUID(), d.webhookId, d.event, d.eventId, d.conversationId, d.body, d.manual, d.redeliveryOfId)
    return '(?, ?, ?, ?, ?, ?, ?, ?)'
  })
  const rows = await query(
    `insert into webhooks_deliveries (uid, webhook_id, event, event_id, conversation_id, body, manual, redelivery_of)
     values ${values.join(', ')} returning ${columns}`, params)
  return rows.map(toDelivery)
}

export async function deliveryById (query: Query, id: string): Promise<Delivery | null> {
  const [row] = await query(`select ${columns} from webhooks_deliveries where id = ?`, [id])
  return row === undefined ? null : toDelivery(row)
}

/** What a redelivery copies: the same event and body, to the same endpoint. */
export async function deliverySource (query: Query, id: string): Promise<(NewDelivery & { status: DeliveryStatus }) | null> {
  const [row] = await query(
    'select webhook_id::text, event, event_id::text, conversation_id::text, body, status from webhooks_deliveries where id = ?', [id])
  if (row === undefined) return null
  return { webhookId: row.webhook_id, event: row.event, eventId: row.event_id, conversationId: row.conversation_id, body: row.body, manual: true, redeliveryOfId: id, status: row.status }
}

/** Newest first; `after` is the id of the last row of the previous page. */
export async function deliveryPage (query: Query, webhookId: string, first: number, after: string | null): Promise<Delivery[]> {
  const rows = await query(
    `select ${columns} from webhooks_deliveries where webhook_id = ? ${after === null ? '' : 'and id < ?'} order by id desc limit ?`,
    after === null ? [webhookId, first] : [webhookId, after, first])
  return rows.map(toDelivery)
}

/**
 * Lock delivery `id` for attempt number `attempt` (0-based). Null when it is finished, when that
 * attempt was already made (a duplicate or stale job), when another worker holds it, or when it is
 * not due yet (a trigger that came early: the sweeper sends it once it is overdue).
 *
 * The endpoint gets a key-share lock: deleting it (which cascades to this row) waits for the
 * attempt to end instead of deadlocking with it, while the failure-count updates of concurrent
 * attempts to the same endpoint still go through.
 */
export async function claimDelivery (query: Query, id: string, attempt: number): Promise<DueDelivery | null> {
  const [row] = await query(
    `select d.id::text, d.uid::text, d.event, d.body, d.manual, e.id::text as webhook_id, e.url, e.secret, e.active,
            d.next_attempt_at <= now() + interval '5 seconds' as due
       from webhooks_deliveries d join webhooks_endpoints e on e.id = d.webhook_id
      where d.id = ? and d.status = 'pending' and d.attempts = ?
        for update of d skip locked
        for key share of e`, [id, attempt])
  if (row === undefined || row.due !== true) return null
  return { id: row.id, uid: row.uid, event: row.event, body: row.body, manual: row.manual, webhookId: row.webhook_id, url: row.url, secret: row.secret, active: row.active }
}

/** The delivery is done: delivered, or failed for good. `attempted`: false when nothing was sent. */
export async function finishDelivery (query: Query, id: string, outcome: { status: 'delivered' | 'failed', responseStatus: number | null, error: string | null, attempted: boolean }): Promise<void> {
  await query(
    `update webhooks_deliveries set status = ?, attempts = attempts + ?, response_status = coalesce(?, response_status), last_error = ?,
            last_attempt_at = case when ? then now() else last_attempt_at end,
            delivered_at = case when ? = 'delivered' then now() else null end
      where id = ?`,
    [outcome.status, outcome.attempted ? 1 : 0, outcome.responseStatus, outcome.error, outcome.attempted, outcome.status, id])
}

/** A failed attempt to be tried again in `delayMs`. */
export async function retryDelivery (query: Query, id: string, outcome: { responseStatus: number | null, error: string, delayMs: number }): Promise<void> {
  await query(
    `update webhooks_deliveries set attempts = attempts + 1, response_status = ?, last_error = ?, last_attempt_at = now(),
            next_attempt_at = now() + ?::double precision * interval '1 millisecond'
      where id = ?`, [outcome.responseStatus, outcome.error, outcome.delayMs, id])
}

/** Pending deliveries overdue by more than `graceMs`: their job was lost (Redis outage, crash). */
export async function overdueDeliveries (query: Query, graceMs: number, limit: number): Promise<{ id: string, attempts: number }[]> {
  return query<{ id: string, attempts: number }>(
    `select id::text, attempts from webhooks_deliveries
      where status = 'pending' and next_attempt_at < now() - ?::double precision * interval '1 millisecond'
      order by next_attempt_at limit ?`, [graceMs, limit])
}

/** Drop finished deliveries older than `days`: their bodies hold client messages. */
export async function deleteFinishedBefore (query: Query, days: number): Promise<number> {
  const rows = await query(
    `delete from webhooks_deliveries where id in (
       select id from webhooks_deliveries where status <> 'pending' and created_at < now() - ?::double precision * interval '1 day' limit 5000
     ) returning id`, [days])
  return rows.length
}
