// The core events the plugin forwards. Each subscriber runs once per event, after the event's
// transaction committed, in a transaction of its own where the deliveries are recorded.
import { coreEvents, subscribe, type PluginContext, type Subscriber, type Tx } from '@openline/sdk'
import { recordEvent } from './outgoing.ts'
import { publicMessage } from './payloads.ts'

/**
 * The stored message as data, or null unless it is public. The event's own `visibility` is
 * checked first where it has one; this re-check reads the row itself, so an internal note never
 * leaves whatever the event said.
 */
async function publicMessageData (ctx: PluginContext<any>, tx: Tx, messageId: string, extra: Record<string, unknown>): Promise<Record<string, unknown> | null> {
  const message = await ctx.messages.get(messageId, tx)
  if (message === null || message.visibility !== 'public') return null
  return { ...extra, message: publicMessage(message) }
}

/** The conversation's open channel, read once and only when asked (events that do not carry it). */
function openChannelOf (ctx: PluginContext<any>, tx: Tx, conversationId: string): () => Promise<string | null> {
  let found: Promise<string | null> | undefined
  return () => (found ??= ctx.conversations.get(conversationId, tx).then(c => c?.openChannelId ?? null))
}

export const subscribers: Subscriber[] = [
  subscribe(coreEvents.conversationOpened, (p, tx, ctx) => recordEvent(ctx, tx, {
    event: coreEvents.conversationOpened.name,
    conversationId: p.conversationId,
    openChannelId: async () => p.openChannelId,
    data: async () => ({ conversationId: p.conversationId, openChannelId: p.openChannelId, clientId: p.clientId, firstContact: p.firstContact })
  })),
  subscribe(coreEvents.conversationAssigned, (p, tx, ctx) => recordEvent(ctx, tx, {
    event: coreEvents.conversationAssigned.name,
    conversationId: p.conversationId,
    openChannelId: async () => p.openChannelId,
    data: async () => ({ conversationId: p.conversationId, openChannelId: p.openChannelId, assigneeId: p.assigneeId, previousAssigneeId: p.previousAssigneeId })
  })),
  subscribe(coreEvents.conversationStatusChanged, (p, tx, ctx) => recordEvent(ctx, tx, {
    event: coreEvents.conversationStatusChanged.name,
    conversationId: p.conversationId,
    openChannelId: async () => p.openChannelId,
    data: async () => ({ conversationId: p.conversationId, openChannelId: p.openChannelId, from: p.from, to: p.to })
  })),
  // Client messages come through ingest, which emits message.received (not message.created):
  // receivers get every public message as message.created, whoever wrote it.
  subscribe(coreEvents.messageReceived, (p, tx, ctx) => recordEvent(ctx, tx, {
    event: coreEvents.messageCreated.name,
    conversationId: p.conversationId,
    openChannelId: async () => p.openChannelId,
    data: () => publicMessageData(ctx, tx, p.messageId, { conversationId: p.conversationId, openChannelId: p.openChannelId })
  })),
  subscribe(coreEvents.messageCreated, async (p, tx, ctx) => {
    if (p.visibility !== 'public') return
    await recordEvent(ctx, tx, {
      event: coreEvents.messageCreated.name,
      conversationId: p.conversationId,
      openChannelId: async () => p.openChannelId,
      data: () => publicMessageData(ctx, tx, p.messageId, { conversationId: p.conversationId, openChannelId: p.openChannelId })
    })
  }),
  subscribe(coreEvents.messageChanged, async (p, tx, ctx) => {
    const openChannelId = openChannelOf(ctx, tx, p.conversationId)
    await recordEvent(ctx, tx, {
      event: coreEvents.messageChanged.name,
      conversationId: p.conversationId,
      openChannelId,
      data: async () => publicMessageData(ctx, tx, p.messageId, { conversationId: p.conversationId, openChannelId: await openChannelId(), change: p.change })
    })
  }),
  subscribe(coreEvents.messageDelivery, async (p, tx, ctx) => {
    const openChannelId = openChannelOf(ctx, tx, p.conversationId)
    await recordEvent(ctx, tx, {
      event: coreEvents.messageDelivery.name,
      conversationId: p.conversationId,
      openChannelId,
      data: async () => {
        const message = await ctx.messages.get(p.messageId, tx)
        if (message === null || message.visibility !== 'public') return null
        return { conversationId: p.conversationId, openChannelId: await openChannelId(), messageId: p.messageId, status: p.status, error: p.error ?? null }
      }
    })
  })
]
