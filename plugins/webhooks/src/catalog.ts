// The events an endpoint may subscribe to: core events, named as the core names them.
import { coreEvents } from '@openline/sdk'

export const webhookEvents: readonly string[] = Object.freeze([
  coreEvents.conversationOpened.name,
  coreEvents.conversationAssigned.name,
  coreEvents.conversationStatusChanged.name,
  coreEvents.messageCreated.name,
  coreEvents.messageChanged.name,
  coreEvents.messageDelivery.name
])

/** Sent by `pingWebhook` only; no endpoint subscribes to it. */
export const pingEvent = 'ping'
