import { defineEntity, p } from '@mikro-orm/core'
import { Message } from './conversations.ts'

/** A durable deadline; the bull delayed job is only its trigger. */
export const Timer = defineEntity({
  name: 'Timer',
  tableName: 'timers',
  indexes: [{ properties: ['dueAt'], options: { where: 'fired_at is null and cancelled_at is null' } }],
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    /** `<plugin>:<job>` */
    job: p.string(),
    key: p.string(),
    dueAt: p.datetime(),
    data: p.json<Record<string, unknown>>().default('{}'),
    conversationId: p.bigint('string').nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    firedAt: p.datetime().nullable(),
    cancelledAt: p.datetime().nullable()
  }
})

/** Deliveries still to make. */
export const Outbox = defineEntity({
  name: 'Outbox',
  tableName: 'outbox',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    message: () => p.manyToOne(Message).deleteRule('cascade').index(),
    status: p.enum(['pending', 'sent', 'failed']).default('pending'),
    action: p.enum(['send', 'edit', 'delete']).default('send'),
    attempts: p.integer().default(0),
    lastError: p.text().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    sentAt: p.datetime().nullable()
  }
})

/** Events recorded in the emitting transaction; dispatched to subscribers after commit. */
export const EventRecord = defineEntity({
  name: 'EventRecord',
  tableName: 'events',
  indexes: [{ properties: ['createdAt'], options: { where: 'dispatched_at is null' } }],
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    name: p.string(),
    payload: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().defaultRaw('now()'),
    dispatchedAt: p.datetime().nullable()
  }
})

/** One row per (event, subscriber) that ran: makes each subscriber run once per event. */
export const EventDelivery = defineEntity({
  name: 'EventDelivery',
  tableName: 'event_deliveries',
  properties: {
    eventId: p.bigint('string').primary(),
    subscriber: p.string().primary(),
    doneAt: p.datetime().defaultRaw('now()')
  }
})
