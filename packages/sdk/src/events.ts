import type { Id, ConversationStatus, DeliveryStatus } from './records.ts'

/**
 * A typed event token. The package that owns an event exports its token; subscribers import it.
 * Events are recorded inside the emitting transaction and dispatched only after commit; every
 * subscriber then runs as its own durable job, so retries stay per subscriber.
 * @example
 * export const ratingGiven = defineEvent<{ conversationId: string, value: 'like' | 'dislike' }>('rating.given')
 */
export interface EventToken<Payload> {
  readonly name: string
  /** Phantom field carrying the payload type; never set at run time. */
  readonly __payload?: Payload
}

export type EventPayload<T> = T extends EventToken<infer P> ? P : never

export type WaitingReason = 'noStrategy' | 'noMembers' | 'noAgentsAvailable' | 'allAgentsBusy' | 'channelInactive'

export function defineEvent<Payload> (name: string): EventToken<Payload> {
  if (!/^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)+$/.test(name)) {
    throw new Error(`Event name "${name}" must look like "owner.happened"`)
  }
  return Object.freeze({ name })
}

/** Events the core emits. */
export const coreEvents = {
  /** A client's message was stored (after de-duplication). */
  messageReceived: defineEvent<{ messageId: Id, conversationId: Id, openChannelId: Id, clientId: Id, connectionId: Id, conversationOpened: boolean, openChannelActive: boolean }>('message.received'),
  /** Staff, bot or system wrote a message (public or internal). Client messages arrive as `messageReceived`. */
  messageCreated: defineEvent<{ messageId: Id, conversationId: Id, openChannelId: Id, authorKind: string, visibility: string }>('message.created'),
  /** I2: staff merged two clients (one person writing from several channels): the source's identities and conversations now belong to the target. */
  clientsMerged: defineEvent<{ mergeId: Id, sourceClientId: Id, targetClientId: Id, identityIds: Id[], byUserId: Id | null }>('client.merged'),
  /** A merge was undone: the identities went back to the source client. */
  clientMergeUndone: defineEvent<{ mergeId: Id, sourceClientId: Id, targetClientId: Id, identityIds: Id[], byUserId: Id | null }>('client.mergeUndone'),
  /** One identity (and its conversations) was split off into a client of its own. */
  clientSplit: defineEvent<{ identityId: Id, fromClientId: Id, toClientId: Id, byUserId: Id | null }>('client.split'),
  /** Staff edited or deleted a message (K6); public ones reach the client where the channel can. */
  messageChanged: defineEvent<{ messageId: Id, conversationId: Id, change: 'edited' | 'deleted', byUserId: Id | null }>('message.changed'),
  /** The delivery status of an outgoing message changed. */
  messageDelivery: defineEvent<{ messageId: Id, conversationId: Id, status: DeliveryStatus, error?: string }>('message.delivery'),
  conversationOpened: defineEvent<{ conversationId: Id, openChannelId: Id, clientId: Id, firstContact: boolean }>('conversation.opened'),
  conversationStatusChanged: defineEvent<{ conversationId: Id, openChannelId: Id, from: ConversationStatus, to: ConversationStatus }>('conversation.statusChanged'),
  conversationAssigned: defineEvent<{ conversationId: Id, openChannelId: Id, assigneeId: Id | null, previousAssigneeId: Id | null }>('conversation.assigned'),
  /** A conversation waits in the queue (B8): no strategy, no members, nobody available or all busy. Emitted when the reason changes. */
  conversationWaiting: defineEvent<{ conversationId: Id, openChannelId: Id, reason: WaitingReason }>('conversation.waiting'),
  /** An agent got (or lost) an offer of a conversation. */
  conversationOffered: defineEvent<{ conversationId: Id, openChannelId: Id, userIds: Id[], exclusive: boolean }>('conversation.offered'),
  openChannelChanged: defineEvent<{ openChannelId: Id, change: 'created' | 'updated' | 'deleted' | 'activated' | 'deactivated' }>('openChannel.changed'),
  connectionChanged: defineEvent<{ connectionId: Id, openChannelId: Id, change: 'connected' | 'moved' | 'disconnected' }>('connection.changed')
} as const
