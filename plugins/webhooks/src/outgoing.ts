// Turning an event into deliveries: rows written in the caller's transaction, jobs queued after
// it commits. A lost job (Redis down at that moment) is found again by the sweeper.
import { randomUUID } from 'node:crypto'
import type { PluginContext, Tx } from '@openline/sdk'
import { endpointsFor } from './endpoints.ts'
import { insertDeliveries, type Delivery, type NewDelivery } from './deliveries.ts'
import type { Envelope } from './payloads.ts'

export const deliverJob = 'deliver'

export interface OutgoingEvent {
  event: string
  conversationId: string | null
  /** Read only when some endpoint wants the event; null drops it. */
  openChannelId: () => Promise<string | null>
  /** Built only when some endpoint wants it; null drops the event (an internal note). */
  data: () => Promise<Record<string, unknown> | null>
}

/**
 * Queue attempt number `attempt` (0-based) of a delivery. The job id makes a second request for the
 * same attempt and `round` a no-op; the job itself skips an attempt already made.
 */
export async function enqueueAttempt (ctx: PluginContext<any>, deliveryId: string, attempt: number, delayMs: number, round = 'sent'): Promise<void> {
  await ctx.jobs.enqueue(deliverJob, { deliveryId, attempt }, { jobId: `wh:${deliveryId}:${attempt}:${round}`, delayMs, attempts: 3 })
}

/** After commit: queue the first attempt of each delivery (failures are left to the sweeper). */
export function sendAfterCommit (ctx: PluginContext<any>, tx: Tx, deliveries: Delivery[]): void {
  if (deliveries.length === 0) return
  tx.afterCommit(async () => {
    try {
      await Promise.all(deliveries.map(d => enqueueAttempt(ctx, d.id, 0, 0)))
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'webhook delivery not queued; the sweeper will send it')
    }
  })
}

export function envelope (eventId: string, event: string, data: Record<string, unknown>): string {
  const body: Envelope = { id: eventId, event, occurredAt: new Date().toISOString(), data }
  return JSON.stringify(body)
}

/** Record one delivery per active endpoint that wants the event (and its open channel), in `tx`. */
export async function recordEvent (ctx: PluginContext<any>, tx: Tx, outgoing: OutgoingEvent): Promise<void> {
  const candidates = await endpointsFor(tx.query, outgoing.event)
  if (candidates.length === 0) return
  const openChannelId = await outgoing.openChannelId()
  if (openChannelId === null) return
  const endpoints = candidates.filter(e => e.openChannelIds.length === 0 || e.openChannelIds.includes(openChannelId))
  if (endpoints.length === 0) return
  const data = await outgoing.data()
  if (data === null) return
  const eventId = randomUUID()
  const body = envelope(eventId, outgoing.event, data)
  const rows: NewDelivery[] = endpoints.map(e => ({
    webhookId: e.id, event: outgoing.event, eventId, conversationId: outgoing.conversationId, body, manual: false, redeliveryOfId: null
  }))
  sendAfterCommit(ctx, tx, await insertDeliveries(tx.query, rows))
}
