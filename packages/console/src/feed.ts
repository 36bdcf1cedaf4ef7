// One set of subscriptions for the whole console, fanned out to the views that care. Plugins'
// subscriptions (#6: ratings, KPI alerts, tasks, the team feed) are opened only when the server's
// schema has them.
import type { Live } from './live.ts'
import type { Schema } from './schema.ts'
import type { Selections } from './selections.ts'
import type { Conversation, DeliveryStatus, Message } from './types.ts'
import { ratingSelection, type ConversationRating } from './ratings/rating.ts'
import { alertSelection, type KpiAlert } from './kpi/kpi.ts'
import { taskSelection, type Task } from './tasks/task.ts'
import { postSelection, type FeedPost } from './team/team.ts'

export type FeedEvent =
  | { type: 'messageAdded', message: Message }
  | { type: 'messageChanged', message: Message }
  | { type: 'messageDelivery', messageId: string, conversationId: string, status: DeliveryStatus }
  | { type: 'offerChanged', conversationId: string, userId: string, state: string }
  | { type: 'conversationUpdated', conversation: Conversation }
  | { type: 'clientTyping', conversationId: string, preview: string | null }
  | { type: 'conversationRated', rating: ConversationRating }
  | { type: 'kpiAlert', alert: KpiAlert }
  | { type: 'taskAssigned', task: Task }
  | { type: 'feedPostAdded', post: FeedPost }

export interface Feed {
  on: (listener: (event: FeedEvent) => void) => () => void
  close: () => void
}

export function openFeed (live: Live, schema: Schema, sel: Selections): Feed {
  const listeners = new Set<(event: FeedEvent) => void>()
  const emit = (event: FeedEvent): void => { for (const l of [...listeners]) l(event) }
  const stops = [
    live.subscribe<{ messageAdded: Message }>(`subscription { messageAdded { ${sel.message} } }`, {}, (d) => emit({ type: 'messageAdded', message: d.messageAdded })),
    live.subscribe<{ messageDelivery: { messageId: string, conversationId: string, status: DeliveryStatus } }>('subscription { messageDelivery { messageId conversationId status } }', {}, (d) => emit({ type: 'messageDelivery', ...d.messageDelivery })),
    live.subscribe<{ offerChanged: { conversationId: string, userId: string, state: string } }>('subscription { offerChanged { conversationId userId state } }', {}, (d) => emit({ type: 'offerChanged', ...d.offerChanged })),
    live.subscribe<{ conversationUpdated: Conversation }>(`subscription { conversationUpdated { ${sel.conversation} } }`, {}, (d) => emit({ type: 'conversationUpdated', conversation: d.conversationUpdated })),
    live.subscribe<{ clientTyping: { conversationId: string, preview: string | null } }>('subscription { clientTyping { conversationId preview } }', {}, (d) => emit({ type: 'clientTyping', ...d.clientTyping }))
  ]
  if (schema.core('Subscription', 'messageChanged')) {
    stops.push(live.subscribe<{ messageChanged: Message }>(`subscription { messageChanged { ${sel.message} } }`, {}, (d) => emit({ type: 'messageChanged', message: d.messageChanged })))
  }
  if (schema.plugin('Subscription', 'conversationRated')) {
    stops.push(live.subscribe<{ conversationRated: ConversationRating }>(`subscription { conversationRated { ${ratingSelection} } }`, {}, (d) => emit({ type: 'conversationRated', rating: d.conversationRated })))
  }
  if (schema.plugin('Subscription', 'kpiAlert')) {
    stops.push(live.subscribe<{ kpiAlert: KpiAlert }>(`subscription { kpiAlert { ${alertSelection} } }`, {}, (d) => emit({ type: 'kpiAlert', alert: d.kpiAlert })))
  }
  if (schema.plugin('Subscription', 'taskAssigned')) {
    stops.push(live.subscribe<{ taskAssigned: Task }>(`subscription { taskAssigned { ${taskSelection} } }`, {}, (d) => emit({ type: 'taskAssigned', task: d.taskAssigned })))
  }
  if (schema.plugin('Subscription', 'feedPostAdded')) {
    stops.push(live.subscribe<{ feedPostAdded: FeedPost }>(`subscription { feedPostAdded { ${postSelection} } }`, {}, (d) => emit({ type: 'feedPostAdded', post: d.feedPostAdded })))
  }
  return {
    on (listener) {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    },
    close () {
      listeners.clear()
      for (const stop of stops) stop()
    }
  }
}
